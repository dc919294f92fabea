import landfall from '../landfall.config.ts';
import { pascal, providerFor } from './regions.ts';

/** What Batch needs of a region's network: private subnets and a security group for its instances. */
export interface RegionNetwork {
  region: string;
  vpc: aws.ec2.Vpc;
  subnets: aws.ec2.Subnet[];
  computeSecurityGroup: aws.ec2.SecurityGroup;
}

/** Two availability zones: compute survives one zone's outage; the endpoints (billed per zone) sit in one. */
const ZONES = 2;
const CIDR = '10.64.0.0/16';

/**
 * AWS services the instances reach without internet access: ECR (image manifests, then layers from S3
 * through the gateway endpoint), CloudWatch Logs (job output), and ECS (the Batch instances' agent).
 */
export const INTERFACE_ENDPOINTS = ['ecr.api', 'ecr.dkr', 'logs', 'ecs', 'ecs-agent', 'ecs-telemetry'] as const;

/**
 * A VPC with private subnets only: no internet gateway, no NAT, no public IPs. S3 through a gateway
 * endpoint (free), the other services through interface endpoints in ONE zone — each zone of each endpoint
 * is billed by the hour, and a zone outage only delays jobs, which Batch retries.
 */
function regionNetwork(region: string): RegionNetwork {
  const id = pascal(region);
  const opts = { provider: providerFor(region) };
  const zones = aws.getAvailabilityZonesOutput({ state: 'available' }, opts);
  const vpc = new aws.ec2.Vpc(
    `Vpc${id}`,
    { cidrBlock: CIDR, enableDnsSupport: true, enableDnsHostnames: true, tags: { Name: `${landfall.app}-${$app.stage}-${region}` } },
    opts,
  );
  const routeTable = new aws.ec2.RouteTable(`PrivateRoutes${id}`, { vpcId: vpc.id }, opts);
  const subnets = Array.from({ length: ZONES }, (_, index) => {
    const subnet = new aws.ec2.Subnet(
      `PrivateSubnet${id}${index + 1}`,
      { vpcId: vpc.id, cidrBlock: `10.64.${index * 32}.0/19`, availabilityZone: zones.names[index]!, mapPublicIpOnLaunch: false },
      opts,
    );
    new aws.ec2.RouteTableAssociation(`PrivateSubnet${id}${index + 1}Routes`, { subnetId: subnet.id, routeTableId: routeTable.id }, opts);
    return subnet;
  });
  new aws.ec2.VpcEndpoint(
    `S3Endpoint${id}`,
    { vpcId: vpc.id, serviceName: `com.amazonaws.${region}.s3`, vpcEndpointType: 'Gateway', routeTableIds: [routeTable.id] },
    opts,
  );

  const computeSecurityGroup = new aws.ec2.SecurityGroup(
    `ComputeSecurityGroup${id}`,
    {
      vpcId: vpc.id,
      description: 'Landfall Batch instances: HTTPS out only (S3 and the VPC endpoints), nothing in',
      egress: [
        {
          protocol: 'tcp',
          fromPort: 443,
          toPort: 443,
          cidrBlocks: ['0.0.0.0/0'],
          description: 'HTTPS; the VPC has no route to the internet',
        },
      ],
    },
    opts,
  );
  const endpointSecurityGroup = new aws.ec2.SecurityGroup(
    `EndpointSecurityGroup${id}`,
    {
      vpcId: vpc.id,
      description: 'Landfall VPC endpoints: HTTPS from the Batch instances',
      ingress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, securityGroups: [computeSecurityGroup.id] }],
    },
    opts,
  );
  for (const service of INTERFACE_ENDPOINTS) {
    new aws.ec2.VpcEndpoint(
      `Endpoint${pascal(service)}${id}`,
      {
        vpcId: vpc.id,
        serviceName: `com.amazonaws.${region}.${service}`,
        vpcEndpointType: 'Interface',
        privateDnsEnabled: true,
        subnetIds: [subnets[0]!.id],
        securityGroupIds: [endpointSecurityGroup.id],
      },
      opts,
    );
  }
  return { region, vpc, subnets, computeSecurityGroup };
}

/** Each configured region's network, by region. */
export const networks: ReadonlyMap<string, RegionNetwork> = new Map(
  landfall.regions.map((region) => [region.name, regionNetwork(region.name)]),
);
