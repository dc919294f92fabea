/**
 * Points every AWS SDK client of this process (and of its job processes) at local servers only:
 * the local catalog's own credentials (never an AWS account's), and a closed 127.0.0.1 port for every service that has no local endpoint, so an
 * operation nobody provided fails loudly instead of falling through to real AWS.
 */
export function localAwsEnvironment(options: {
  region: string;
  catalogEndpoint: string;
  /** The local catalog server's credentials: every SDK client of the process (and its jobs) signs with them. */
  catalogCredentials: { accessKeyId: string; secretAccessKey: string };
}): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: options.catalogCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: options.catalogCredentials.secretAccessKey,
    AWS_SESSION_TOKEN: '',
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
    AWS_PROFILE: '',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    // Port 9 (discard) on loopback: nothing listens; any unexpected AWS call is refused at once.
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_ENDPOINT_URL_DYNAMODB: options.catalogEndpoint,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
  };
}

export function applyEnvironment(values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === '') delete process.env[name];
    else process.env[name] = value;
  }
}
