import landfall from '../landfall.config.ts';
import { pipelinesOf } from '../workflows/pipelines/index.ts';
import { homeRegion, pascal, providerFor } from './regions.ts';

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
/** The NAT gateway's own subnet, away from home, after the two /19 private subnets. */
const NAT_SUBNET_CIDR = '10.64.64.0/28';

/**
 * AWS services the instances reach without internet access: ECR (image manifests, then layers from S3
 * through the gateway endpoint), CloudWatch Logs (job output), and ECS (the Batch instances' agent).
 */
export const INTERFACE_ENDPOINTS = ['ecr.api', 'ecr.dkr', 'logs', 'ecs', 'ecs-agent', 'ecs-telemetry'] as const;

/**
 * A step that submits Batch jobs of its own (a Nextflow head) calls the Batch API: at home, with no way out,
 * through an endpoint; away from home the NAT gateway reaches it. Only when the config has such a step.
 */
const BATCH_HEAD_ENDPOINTS = Object.values(pipelinesOf(landfall)).some((pipeline) => pipeline.steps.some((step) => step.submitsBatchJobs))
  ? (['batch'] as const)
  : [];

/**
 * A VPC whose instances have private addresses only. S3 through a gateway endpoint (free), the other services
 * through interface endpoints in ONE zone — each zone of each endpoint is billed by the hour, and a zone outage
 * only delays jobs, which Batch retries. At home that is all: its jobs read and write home buckets only.
 *
 * Away from home a job reads its inputs at home (landed files, earlier steps' outputs, its manifest), and a VPC
 * endpoint serves only its own region's S3 ("VPC endpoints don't support cross-Region requests (including
 * copies)", S3 API Reference, CopyObject). So each other region also has a NAT gateway (in one zone, in a small
 * public subnet no instance is launched into): outbound only, the instances keep private addresses, and the
 * region's own S3 still goes through the gateway endpoint (its prefix-list route is the more specific).
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
  if (region !== homeRegion) natEgress(region, vpc, routeTable, zones.names[0]!);
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
          description: 'HTTPS: S3 and the VPC endpoints; away from home, other regions S3 through the NAT gateway',
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
  for (const service of [...INTERFACE_ENDPOINTS, ...(region === homeRegion ? BATCH_HEAD_ENDPOINTS : [])]) {
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

/**
 * Outbound internet for a region away from home, through a NAT gateway: what its jobs need to read the home
 * region's buckets. About $33 a month idle per region, plus $0.045 per GB it carries (us-east-1 prices).
 */
function natEgress(region: string, vpc: aws.ec2.Vpc, privateRoutes: aws.ec2.RouteTable, zone: $util.Input<string>): void {
  const id = pascal(region);
  const opts = { provider: providerFor(region) };
  const gateway = new aws.ec2.InternetGateway(`InternetGateway${id}`, { vpcId: vpc.id }, opts);
  const publicRoutes = new aws.ec2.RouteTable(
    `PublicRoutes${id}`,
    { vpcId: vpc.id, routes: [{ cidrBlock: '0.0.0.0/0', gatewayId: gateway.id }] },
    opts,
  );
  // Only the NAT gateway lives here: Batch launches into the private subnets.
  const natSubnet = new aws.ec2.Subnet(
    `NatSubnet${id}`,
    { vpcId: vpc.id, cidrBlock: NAT_SUBNET_CIDR, availabilityZone: zone, mapPublicIpOnLaunch: false },
    opts,
  );
  new aws.ec2.RouteTableAssociation(`NatSubnet${id}Routes`, { subnetId: natSubnet.id, routeTableId: publicRoutes.id }, opts);
  const address = new aws.ec2.Eip(`NatAddress${id}`, { domain: 'vpc' }, opts);
  const nat = new aws.ec2.NatGateway(
    `NatGateway${id}`,
    { allocationId: address.id, subnetId: natSubnet.id },
    { ...opts, dependsOn: [gateway] },
  );
  new aws.ec2.Route(
    `PrivateEgress${id}`,
    { routeTableId: privateRoutes.id, destinationCidrBlock: '0.0.0.0/0', natGatewayId: nat.id },
    opts,
  );
}

/** Each configured region's network, by region. */
export const networks: ReadonlyMap<string, RegionNetwork> = new Map(
  landfall.regions.map((region) => [region.name, regionNetwork(region.name)]),
);
