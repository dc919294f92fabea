/**
 * Points every AWS SDK client of this process (and of its job processes) at local servers only:
 * dummy credentials, and a closed 127.0.0.1 port for every service that has no local endpoint, so an
 * operation nobody provided fails loudly instead of falling through to real AWS.
 */
export function localAwsEnvironment(options: { region: string; catalogEndpoint: string }): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: 'landfall-local',
    AWS_SECRET_ACCESS_KEY: 'landfall-local',
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
