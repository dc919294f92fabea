import { LANDING_PREFIX, landingTeamPrefix } from '../contracts/keys.ts';
import landfall from '../landfall.config.ts';
import { homeRegion, pascal } from './regions.ts';
import { landing } from './storage.ts';

const stage = $app.stage.toLowerCase();
const gateway = landfall.fileGateway;

/** The S3 Upload notification that makes the gateway emit "Storage Gateway Object Upload Event" once a file settled. */
export function notificationPolicy(settlingTimeSeconds: number): string {
  return JSON.stringify({ Upload: { SettlingTimeInSeconds: settlingTimeSeconds } });
}

/**
 * The gateway's access to the landing bucket: read and write under `incoming/` only (where the shares
 * map), and the landing key through S3. Nothing else of Landfall's is reachable from the appliance.
 */
const role = gateway
  ? new aws.iam.Role('FileGatewayRole', {
      name: `${landfall.app}-${stage}-file-gateway`,
      description: 'S3 File Gateway: team shares write into incoming/<team>/ of the landing bucket',
      assumeRolePolicy: $jsonStringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'storagegateway.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    })
  : undefined;

if (gateway && role) {
  new aws.iam.RolePolicy('FileGatewayRolePolicy', {
    role: role.id,
    policy: $jsonStringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'FindTheBucket',
          Effect: 'Allow',
          Action: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
          Resource: landing.bucket.arn,
        },
        {
          Sid: 'ListIncoming',
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: landing.bucket.arn,
          Condition: { StringLike: { 's3:prefix': [LANDING_PREFIX, `${LANDING_PREFIX}*`] } },
        },
        {
          Sid: 'ReadWriteIncoming',
          Effect: 'Allow',
          Action: [
            's3:GetObject',
            's3:GetObjectAcl',
            's3:GetObjectVersion',
            's3:PutObject',
            's3:PutObjectAcl',
            's3:DeleteObject',
            's3:DeleteObjectVersion',
            's3:AbortMultipartUpload',
            's3:ListMultipartUploadParts',
          ],
          Resource: $interpolate`${landing.bucket.arn}/${LANDING_PREFIX}*`,
        },
        {
          Sid: 'LandingKeyViaS3',
          Effect: 'Allow',
          Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:ReEncrypt*'],
          Resource: landing.key.arn,
          Condition: { StringEquals: { 'kms:ViaService': `s3.${homeRegion}.amazonaws.com` } },
        },
      ],
    }),
  });
}

/**
 * One file share per team on the configured gateway, mapped to `incoming/<team>/` (the team is the share's
 * top folder, DESIGN.md "Team and ids"), SSE-KMS with the landing key, upload notifications after the
 * configured settling time. None without `fileGateway` in the config.
 */
export const fileShares = new Map(
  gateway && role
    ? landfall.teams.map((team) => {
        const common = {
          gatewayArn: gateway.gatewayArn,
          locationArn: $interpolate`${landing.bucket.arn}/${landingTeamPrefix(team.id)}`,
          roleArn: role.arn,
          fileShareName: `${landfall.app}-${stage}-${team.id}`,
          kmsEncrypted: true,
          kmsKeyArn: landing.key.arn,
          defaultStorageClass: 'S3_STANDARD',
          guessMimeTypeEnabled: false,
          notificationPolicy: notificationPolicy(gateway.settlingTimeSeconds),
          tags: { team: team.id },
        };
        const share =
          gateway.protocol === 'nfs'
            ? new aws.storagegateway.NfsFileShare(`Team${pascal(team.id)}FileShare`, {
                ...common,
                clientLists: gateway.nfsClients,
                squash: 'RootSquash',
              })
            : new aws.storagegateway.SmbFileShare(`Team${pascal(team.id)}FileShare`, {
                ...common,
                authentication: gateway.smbAuthentication,
                smbAclEnabled: gateway.smbAuthentication === 'ActiveDirectory',
              });
        return [team.id, share] as const;
      })
    : [],
);

/** Stack outputs: each team's share ARN (the upload barrier maps File Upload Events to teams by it). */
export const outputs = Object.fromEntries([...fileShares].map(([team, share]) => [`fileShare_${team}`, share.arn]));
