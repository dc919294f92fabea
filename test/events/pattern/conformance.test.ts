/**
 * Conformance table for the event-pattern matcher, transcribed from the AWS EventBridge
 * content-filtering documentation. Every row names the doc section it comes from (`ref`); rows
 * marked "engine" document behaviour the AWS pages leave implicit, taken from EventBridge's
 * matching engine (aws/event-ruler), whose README is cited.
 */
import { describe, expect, it } from 'vitest';
import { matchesPattern, type EventPattern } from '../../../events/pattern/index.ts';

const OPERATORS = 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html';
const SYNTAX = 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern.html';
const NULLS = 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html';
const ARRAYS = 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html';
const ENGINE = 'https://github.com/aws/event-ruler#readme (engine)';
const S3_EVENTS = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html';
const LANDFALL = 'shared/DOMAIN.md § Events';

interface Row {
  case: string;
  ref: string;
  pattern: EventPattern;
  event: Record<string, unknown>;
  matches: boolean;
}

/** The EC2 event of the "Event pattern syntax" page, with `detail` replaced or extended. */
function ec2Event(detail: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Record<string, unknown> {
  const base = {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: '111122223333',
    time: '2017-12-22T18:43:48Z',
    region: 'us-west-1',
    resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
    detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
  };
  const event = structuredClone(base) as Record<string, unknown>;
  return { ...event, ...top, detail: { ...(event.detail as object), ...detail } };
}

/** The event of the Event Ruler README used by the comparison-operator examples. */
function rulerEvent(detail: Record<string, unknown> = {}): Record<string, unknown> {
  return ec2Event(
    {
      'c-count': 5,
      'd-count': 3,
      'x-limit': 301.8,
      'source-ip': '10.0.0.33',
      'instance-id': 'i-000000aaaaaa00000',
      state: 'running',
      ...detail,
    },
    { time: '2017-10-02T16:24:49Z', region: 'us-east-1' },
  );
}

/** The Auto Scaling event of "Matching null values and empty strings". */
const autoScalingEvent = {
  version: '0',
  id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
  'detail-type': 'EC2 Instance Launch Successful',
  source: 'aws.autoscaling',
  account: '123456789012',
  time: '2015-11-11T21:31:47Z',
  region: 'us-east-1',
  resources: [],
  detail: { eventVersion: '', responseElements: null },
};

const macieEvent = {
  version: '0',
  'detail-type': 'Macie Alert',
  source: 'aws.macie',
  detail: {
    'notification-type': 'ALERT_CREATED',
    tags: ['Custom_Alert', 'Insider'],
    'risk-score': 80,
    trigger: { 'alert-type': 'basic', risk: 8 },
  },
};

const employees = {
  employees: [
    { firstName: 'John', lastName: 'Doe' },
    { firstName: 'Anna', lastName: 'Smith' },
    { firstName: 'Peter', lastName: 'Jones' },
  ],
};

function s3ObjectCreated(key: string, detailType = 'Object Created'): Record<string, unknown> {
  return {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': detailType,
    source: 'aws.s3',
    account: '123456789012',
    time: '2021-11-12T00:00:00Z',
    region: 'ca-central-1',
    resources: ['arn:aws:s3:::landfall-landing'],
    detail: {
      version: '0',
      bucket: { name: 'landfall-landing' },
      object: { key, size: 5, etag: 'b1946ac92492d2347c6235b4d2611184', sequencer: '00617F08299329D189' },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '123456789012',
      reason: 'PutObject',
    },
  };
}

function gatewayUpload(detailType: string, detail: Record<string, unknown>): Record<string, unknown> {
  return {
    version: '0',
    'detail-type': detailType,
    source: 'aws.storagegateway',
    region: 'eu-west-1',
    resources: [
      'arn:aws:storagegateway:eu-west-1:123456789012:share/share-AB12CD34',
      'arn:aws:storagegateway:eu-west-1:123456789012:gateway/sgw-AB12CD34',
      'arn:aws:s3:::landfall-landing',
    ],
    detail,
  };
}

const objectUploaded = {
  'object-size': 1048576,
  'modification-time': 1700000000,
  'object-key': 'incoming/lab-a/run-7/S1_S1_L001_R1_001.fastq.gz',
  'event-type': 'object-upload-complete',
  prefix: 'incoming/lab-a/run-7/',
  'bucket-name': 'landfall-landing',
};

const ec2StatePattern: EventPattern = {
  source: ['aws.ec2'],
  'detail-type': ['EC2 Instance State-change Notification'],
  detail: { state: ['terminated'] },
};
const numericPattern: EventPattern = {
  detail: {
    'c-count': [{ numeric: ['>', 0, '<=', 5] }],
    'd-count': [{ numeric: ['<', 10] }],
    'x-limit': [{ numeric: ['=', 3.018e2] }],
  },
};
const complexPattern: EventPattern = {
  time: [{ prefix: '2017-10-02' }],
  detail: {
    state: [{ 'anything-but': 'initializing' }],
    'c-count': [{ numeric: ['>', 0, '<=', 5] }],
    'd-count': [{ numeric: ['<', 10] }],
    'x-limit': [{ 'anything-but': [100, 200, 300] }],
  },
};
const orInDetail: EventPattern = {
  detail: {
    $or: [
      { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
      { 'd-count': [{ numeric: ['<', 10] }] },
      { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
    ],
  },
};
const orWithSource: EventPattern = {
  source: ['aws.cloudwatch'],
  $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
};
const nestedOr: EventPattern = {
  source: ['aws.cloudwatch'],
  $or: [
    { metricName: ['CPUUtilization', 'ReadLatency'] },
    { metricType: ['MetricType'], namespace: ['AWS/EC2', 'AWS/ES'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
    { scope: ['Service'] },
  ],
};
const s3Landing: EventPattern = {
  source: ['aws.s3'],
  'detail-type': ['Object Created'],
  detail: { bucket: { name: ['landfall-landing'] }, object: { key: [{ prefix: 'incoming/' }] } },
};
const gatewayLanding: EventPattern = {
  source: ['aws.storagegateway'],
  'detail-type': ['Storage Gateway Object Upload Event'],
  detail: { 'event-type': ['object-upload-complete'], 'object-key': [{ prefix: 'incoming/' }] },
};

const rows: Row[] = [
  // Exact matching, structure and JSON types
  { case: 'exact: the EC2 termination example matches', ref: SYNTAX, pattern: ec2StatePattern, event: ec2Event(), matches: true },
  {
    case: 'exact: another state does not match',
    ref: SYNTAX,
    pattern: ec2StatePattern,
    event: ec2Event({ state: 'running' }),
    matches: false,
  },
  {
    case: 'exact: any value of the match array (aws.ec2 or aws.fargate)',
    ref: `${SYNTAX} § Matching event values`,
    pattern: { source: ['aws.ec2', 'aws.fargate'] },
    event: ec2Event({}, { source: 'aws.fargate' }),
    matches: true,
  },
  {
    case: 'exact: strings are compared without case folding',
    ref: SYNTAX,
    pattern: { source: ['AWS.EC2'] },
    event: ec2Event(),
    matches: false,
  },
  {
    case: 'exact: every field named in the pattern must be in the event',
    ref: SYNTAX,
    pattern: { source: ['aws.ec2'], detail: { 'c-count': [5] } },
    event: ec2Event(),
    matches: false,
  },
  {
    case: 'exact: fields must have the same nesting as in the pattern',
    ref: SYNTAX,
    pattern: { state: ['terminated'] },
    event: ec2Event(),
    matches: false,
  },
  {
    case: 'exact: numbers (Macie risk score 80, trigger risk 8)',
    ref: `${SYNTAX} § Value matching`,
    pattern: { source: ['aws.macie'], 'detail-type': ['Macie Alert'], detail: { 'risk-score': [80], trigger: { risk: [8] } } },
    event: macieEvent,
    matches: true,
  },
  {
    case: 'exact: a different number does not match',
    ref: `${SYNTAX} § Value matching`,
    pattern: { detail: { 'risk-score': [80], trigger: { risk: [9] } } },
    event: macieEvent,
    matches: false,
  },
  {
    case: 'exact: a number does not match its string form',
    ref: SYNTAX,
    pattern: { detail: { 'risk-score': ['80'] } },
    event: macieEvent,
    matches: false,
  },
  // The doc says EventBridge compares number text; a parsed event cannot tell 300 from 3.0e2, and the engine adds a numeric equality for pattern numbers.
  {
    case: 'exact: 300 matches 3.0e2 once parsed',
    ref: `${SYNTAX}; ${ENGINE} JsonRuleCompiler numericEquals`,
    pattern: { detail: { 'x-limit': [300] } },
    event: JSON.parse('{"detail": {"x-limit": 3.0e2}}') as Record<string, unknown>,
    matches: true,
  },
  {
    case: 'exact: true matches the boolean',
    ref: SYNTAX,
    pattern: { detail: { enabled: [true] } },
    event: ec2Event({ enabled: true }),
    matches: true,
  },
  {
    case: 'exact: true does not match the string "true"',
    ref: SYNTAX,
    pattern: { detail: { enabled: [true] } },
    event: ec2Event({ enabled: 'true' }),
    matches: false,
  },
  {
    case: "exact: several values in one array are OR'ed with operators",
    ref: OPERATORS,
    pattern: { detail: { state: [{ prefix: 'init' }, 'running'] } },
    event: ec2Event({ state: 'initializing' }),
    matches: true,
  },
  {
    case: "exact: none of the OR'ed values matches",
    ref: OPERATORS,
    pattern: { detail: { state: [{ prefix: 'init' }, 'running'] } },
    event: ec2Event({ state: 'stopped' }),
    matches: false,
  },
  {
    case: 'empty: "" matches an empty LastName',
    ref: `${OPERATORS} (Empty)`,
    pattern: { LastName: [''] },
    event: { LastName: '' },
    matches: true,
  },
  {
    case: 'empty: "" does not match a non-empty LastName',
    ref: `${OPERATORS} (Empty)`,
    pattern: { LastName: [''] },
    event: { LastName: 'Smith' },
    matches: false,
  },
  {
    case: 'dots: {"state.status"} matches nested state.status',
    ref: `${SYNTAX} (dot as the joining character)`,
    pattern: { detail: { 'state.status': ['running'] } },
    event: { detail: { state: { status: 'running' } } },
    matches: true,
  },
  {
    case: 'dots: nested state.status matches a "state.status" key',
    ref: `${SYNTAX} (dot as the joining character)`,
    pattern: { detail: { state: { status: ['running'] } } },
    event: { detail: { 'state.status': 'running' } },
    matches: true,
  },

  // Null values and empty strings
  {
    case: 'null: [""] matches eventVersion ""',
    ref: NULLS,
    pattern: { detail: { eventVersion: [''] } },
    event: autoScalingEvent,
    matches: true,
  },
  {
    case: 'null: [null] matches responseElements null',
    ref: NULLS,
    pattern: { detail: { responseElements: [null] } },
    event: autoScalingEvent,
    matches: true,
  },
  {
    case: 'null: [null] does not match an empty string',
    ref: NULLS,
    pattern: { detail: { eventVersion: [null] } },
    event: autoScalingEvent,
    matches: false,
  },
  {
    case: 'null: [""] does not match null',
    ref: NULLS,
    pattern: { detail: { responseElements: [''] } },
    event: autoScalingEvent,
    matches: false,
  },
  {
    case: 'null: [null] does not match a missing field',
    ref: `${NULLS}; ${ENGINE}`,
    pattern: { detail: { missing: [null] } },
    event: autoScalingEvent,
    matches: false,
  },

  // Arrays in events
  {
    case: 'arrays: the pattern matches when pattern and event arrays intersect',
    ref: ARRAYS,
    pattern: {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    },
    event: {
      resources: [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ],
    },
    matches: true,
  },
  {
    case: 'arrays: disjoint arrays do not match',
    ref: ARRAYS,
    pattern: { resources: ['arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f'] },
    event: { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f'] },
    matches: false,
  },
  {
    case: 'arrays: a field of array objects matches through the array',
    ref: `${ENGINE} § JSON Array Matching`,
    pattern: { employees: { firstName: ['Anna'] } },
    event: employees,
    matches: true,
  },
  {
    case: 'arrays: fields from different elements of one array are not combined',
    ref: `${ENGINE} § JSON Array Matching`,
    pattern: { employees: { firstName: ['Anna'], lastName: ['Jones'] } },
    event: employees,
    matches: false,
  },
  {
    case: 'arrays: fields from the same element are combined',
    ref: `${ENGINE} § JSON Array Matching`,
    pattern: { employees: { firstName: ['Anna'], lastName: ['Smith'] } },
    event: employees,
    matches: true,
  },
  {
    case: 'arrays: multi-level arrays are crushed out',
    ref: `${ENGINE} § JSON Array Matching`,
    pattern: { employees: { firstName: ['Peter'] } },
    event: { employees: [[{ firstName: 'John' }, { firstName: 'Anna' }], [{ firstName: 'Peter' }]] },
    matches: true,
  },
  {
    case: 'arrays: an operator matches if any element does (Macie tags)',
    ref: ARRAYS,
    pattern: { detail: { tags: [{ prefix: 'Ins' }] } },
    event: macieEvent,
    matches: true,
  },
  {
    case: 'arrays: no element matches the operator',
    ref: ARRAYS,
    pattern: { detail: { tags: [{ prefix: 'Out' }] } },
    event: macieEvent,
    matches: false,
  },

  // Prefix
  {
    case: 'prefix: time starting with 2017-10-02',
    ref: `${OPERATORS}#eb-filtering-prefix-matching`,
    pattern: { time: [{ prefix: '2017-10-02' }] },
    event: ec2Event({}, { time: '2017-10-02T18:43:48Z' }),
    matches: true,
  },
  {
    case: 'prefix: another day does not match',
    ref: `${OPERATORS}#eb-filtering-prefix-matching`,
    pattern: { time: [{ prefix: '2017-10-02' }] },
    event: ec2Event({}, { time: '2017-10-03T18:43:48Z' }),
    matches: false,
  },
  {
    case: 'prefix: only string values match',
    ref: `${OPERATORS}#eb-filtering-prefix-matching`,
    pattern: { detail: { code: [{ prefix: '12' }] } },
    event: ec2Event({ code: 123 }),
    matches: false,
  },
  {
    case: 'prefix ignoring case: EVENTBRIDGE starts with EventB',
    ref: `${OPERATORS} § Prefix matching while ignoring case`,
    pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
    event: ec2Event({ service: 'EVENTBRIDGE' }),
    matches: true,
  },
  {
    case: 'prefix ignoring case: Lambda does not',
    ref: `${OPERATORS} § Prefix matching while ignoring case`,
    pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
    event: ec2Event({ service: 'Lambda' }),
    matches: false,
  },

  // Suffix
  {
    case: 'suffix: FileName ending in .png',
    ref: `${OPERATORS} § Suffix matching`,
    pattern: { FileName: [{ suffix: '.png' }] },
    event: { FileName: 'image.png' },
    matches: true,
  },
  {
    case: 'suffix: is case-sensitive',
    ref: `${OPERATORS} § Suffix matching`,
    pattern: { FileName: [{ suffix: '.png' }] },
    event: { FileName: 'image.PNG' },
    matches: false,
  },
  {
    case: 'suffix ignoring case: IMAGE.PNG ends with .png',
    ref: `${OPERATORS} § Suffix matching while ignoring case`,
    pattern: { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    event: { detail: { FileName: 'IMAGE.PNG' } },
    matches: true,
  },
  {
    case: 'suffix ignoring case: .jpg does not',
    ref: `${OPERATORS} § Suffix matching while ignoring case`,
    pattern: { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    event: { detail: { FileName: 'image.jpg' } },
    matches: false,
  },

  // Equals-ignore-case
  {
    case: 'equals-ignore-case: Name is "alice" in any case',
    ref: `${OPERATORS} § Equals-ignore-case matching`,
    pattern: { Name: [{ 'equals-ignore-case': 'alice' }] },
    event: { Name: 'Alice' },
    matches: true,
  },
  {
    case: 'equals-ignore-case: detail-type in lower case',
    ref: `${OPERATORS} § Equals-ignore-case matching`,
    pattern: { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] },
    event: ec2Event(),
    matches: true,
  },
  {
    case: 'equals-ignore-case: a longer string does not match',
    ref: `${OPERATORS} § Equals-ignore-case matching`,
    pattern: { Name: [{ 'equals-ignore-case': 'alice' }] },
    event: { Name: 'Alice Smith' },
    matches: false,
  },

  // Anything-but
  {
    case: 'anything-but: running is not initializing',
    ref: `${OPERATORS}#eb-filtering-anything-but`,
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    event: rulerEvent(),
    matches: true,
  },
  {
    case: 'anything-but: initializing is excluded',
    ref: `${OPERATORS}#eb-filtering-anything-but`,
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    event: rulerEvent({ state: 'initializing' }),
    matches: false,
  },
  {
    case: 'anything-but: x-limit 301.8 is not 123',
    ref: `${OPERATORS}#eb-filtering-anything-but`,
    pattern: { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    event: rulerEvent(),
    matches: true,
  },
  {
    case: 'anything-but: x-limit 123 is excluded',
    ref: `${OPERATORS}#eb-filtering-anything-but`,
    pattern: { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    event: rulerEvent({ 'x-limit': 123 }),
    matches: false,
  },
  {
    case: 'anything-but: list of strings lets running through',
    ref: `${OPERATORS}#eb-filtering-anything-but`,
    pattern: { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    event: rulerEvent(),
    matches: true,
  },
  {
    case: 'anything-but: list of strings excludes overloaded',
    ref: `${OPERATORS}#eb-filtering-anything-but`,
    pattern: { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    event: rulerEvent({ state: 'overloaded' }),
    matches: false,
  },
  {
    case: 'anything-but: list of numbers lets 301.8 through',
    ref: `${OPERATORS}#eb-filtering-anything-but`,
    pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    event: rulerEvent(),
    matches: true,
  },
  {
    case: 'anything-but: list of numbers excludes 200',
    ref: `${OPERATORS}#eb-filtering-anything-but`,
    pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    event: rulerEvent({ 'x-limit': 200 }),
    matches: false,
  },
  {
    case: 'anything-but: a missing field does not match',
    ref: `${OPERATORS}#eb-filtering-anything-but; ${ENGINE}`,
    pattern: { detail: { 'y-limit': [{ 'anything-but': 123 }] } },
    event: rulerEvent(),
    matches: false,
  },
  {
    case: 'anything-but prefix: running does not start with init',
    ref: `${OPERATORS}#eb-filtering-anything-but-prefix`,
    pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    event: rulerEvent(),
    matches: true,
  },
  {
    case: 'anything-but prefix: initializing starts with init',
    ref: `${OPERATORS}#eb-filtering-anything-but-prefix`,
    pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    event: rulerEvent({ state: 'initializing' }),
    matches: false,
  },
  {
    case: 'anything-but prefix: Region eu-west-1 is not in the US',
    ref: `${OPERATORS}#eb-filtering-anything-but-prefix`,
    pattern: { Region: [{ 'anything-but': { prefix: 'us-' } }] },
    event: { Region: 'eu-west-1' },
    matches: true,
  },
  {
    case: 'anything-but suffix: a .png file does not end with .txt',
    ref: `${OPERATORS}#eb-filtering-anything-but-suffix`,
    pattern: { detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } },
    event: { detail: { FileName: 'photo.png' } },
    matches: true,
  },
  {
    case: 'anything-but suffix: notes.txt is excluded',
    ref: `${OPERATORS}#eb-filtering-anything-but-suffix`,
    pattern: { detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } },
    event: { detail: { FileName: 'notes.txt' } },
    matches: false,
  },
  {
    case: 'anything-but ignoring case: running is neither stopped nor overloaded',
    ref: `${OPERATORS}#eb-filtering-anything-but-ignore-case`,
    pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] } },
    event: rulerEvent(),
    matches: true,
  },
  {
    case: 'anything-but ignoring case: STOPPED is excluded',
    ref: `${OPERATORS}#eb-filtering-anything-but-ignore-case`,
    pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] } },
    event: rulerEvent({ state: 'STOPPED' }),
    matches: false,
  },
  {
    case: 'anything-but wildcard: a path without /lib/ matches',
    ref: `${OPERATORS}#eb-filtering-anything-but-wildcard`,
    pattern: { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
    event: { detail: { FilePath: '/usr/bin/app' } },
    matches: true,
  },
  {
    case: 'anything-but wildcard: a path with /lib/ is excluded',
    ref: `${OPERATORS}#eb-filtering-anything-but-wildcard`,
    pattern: { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
    event: { detail: { FilePath: '/usr/lib/libc.so' } },
    matches: false,
  },
  {
    case: 'anything-but wildcard list: /bin/ is excluded too',
    ref: `${OPERATORS}#eb-filtering-anything-but-wildcard`,
    pattern: { detail: { FilePath: [{ 'anything-but': { wildcard: ['*/lib/*', '*/bin/*'] } }] } },
    event: { detail: { FilePath: '/usr/bin/app' } },
    matches: false,
  },

  // Numeric
  {
    case: 'numeric: c-count 5, d-count 3, x-limit 301.8 satisfy all three',
    ref: `${OPERATORS} § Numeric matching`,
    pattern: numericPattern,
    event: rulerEvent(),
    matches: true,
  },
  {
    case: 'numeric: > 0 is open (c-count 0 fails)',
    ref: `${OPERATORS} § Numeric matching`,
    pattern: numericPattern,
    event: rulerEvent({ 'c-count': 0 }),
    matches: false,
  },
  {
    case: 'numeric: <= 5 is closed (c-count 6 fails)',
    ref: `${OPERATORS} § Numeric matching`,
    pattern: numericPattern,
    event: rulerEvent({ 'c-count': 6 }),
    matches: false,
  },
  {
    case: 'numeric: only JSON numbers match (c-count "5")',
    ref: `${OPERATORS} § Numeric matching`,
    pattern: numericPattern,
    event: rulerEvent({ 'c-count': '5' }),
    matches: false,
  },
  {
    case: 'numeric: values beyond 5.0e9 are outside numeric matching',
    ref: `${OPERATORS} § Numeric matching; ${ENGINE} ComparableNumber`,
    pattern: { detail: { size: [{ numeric: ['>', 0] }] } },
    event: { detail: { size: 6e9 } },
    matches: false,
  },

  // IP address
  {
    case: 'cidr: 10.0.0.255 is in 10.0.0.0/24',
    ref: `${OPERATORS} § IP address matching`,
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    event: { detail: { sourceIPAddress: '10.0.0.255' } },
    matches: true,
  },
  {
    case: 'cidr: 10.0.1.0 is not',
    ref: `${OPERATORS} § IP address matching`,
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    event: { detail: { sourceIPAddress: '10.0.1.0' } },
    matches: false,
  },
  {
    case: 'cidr: IPv6 address in 2001:db8:1234::/48',
    ref: `${OPERATORS} § IP address matching (IPv4 and IPv6)`,
    pattern: { detail: { sourceIPAddress: [{ cidr: '2001:db8:1234::/48' }] } },
    event: { detail: { sourceIPAddress: '2001:db8:1234:1a00::1' } },
    matches: true,
  },
  {
    case: 'cidr: IPv6 address outside the block',
    ref: `${OPERATORS} § IP address matching (IPv4 and IPv6)`,
    pattern: { detail: { sourceIPAddress: [{ cidr: '2001:db8:1234::/48' }] } },
    event: { detail: { sourceIPAddress: '2001:db8:1235::1' } },
    matches: false,
  },
  {
    case: 'cidr: a string that is not an address',
    ref: `${OPERATORS} § IP address matching`,
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/8' }] } },
    event: { detail: { sourceIPAddress: 'localhost' } },
    matches: false,
  },

  // Exists
  {
    case: 'exists false: no detail.c-count',
    ref: `${OPERATORS} § Exists matching`,
    pattern: { detail: { 'c-count': [{ exists: false }] } },
    event: { 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['initializing', 'running'] } },
    matches: true,
  },
  {
    case: 'exists false: c-count is not a leaf node',
    ref: `${OPERATORS} § Exists matching`,
    pattern: { detail: { 'c-count': [{ exists: false }] } },
    event: { detail: { state: ['initializing', 'running'], 'c-count': { c1: 100 } } },
    matches: true,
  },
  {
    case: 'exists false: c-count present',
    ref: `${OPERATORS} § Exists matching`,
    pattern: { detail: { 'c-count': [{ exists: false }] } },
    event: rulerEvent(),
    matches: false,
  },
  {
    case: 'exists true: c-count present',
    ref: `${OPERATORS} § Exists matching`,
    pattern: { detail: { 'c-count': [{ exists: true }] } },
    event: rulerEvent(),
    matches: true,
  },
  {
    case: 'exists true: an object is not a leaf',
    ref: `${OPERATORS} § Exists matching`,
    pattern: { detail: { 'c-count': [{ exists: true }] } },
    event: { detail: { 'c-count': { c1: 100 } } },
    matches: false,
  },
  {
    case: 'exists true: a null value exists',
    ref: `${OPERATORS} § Exists matching; ${NULLS}`,
    pattern: { detail: { responseElements: [{ exists: true }] } },
    event: autoScalingEvent,
    matches: true,
  },
  {
    case: 'exists true: an empty array has no leaf',
    ref: `${OPERATORS} § Exists matching; ${ENGINE}`,
    pattern: { resources: [{ exists: true }] },
    event: autoScalingEvent,
    matches: false,
  },

  // Wildcard
  {
    case: 'wildcard: any account and bus name',
    ref: `${OPERATORS} § Wildcard matching`,
    pattern: { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
    event: { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/myEventBus' },
    matches: true,
  },
  {
    case: 'wildcard: another region',
    ref: `${OPERATORS} § Wildcard matching`,
    pattern: { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
    event: { EventBusArn: 'arn:aws:events:us-west-2:123456789012:event-bus/myEventBus' },
    matches: false,
  },
  {
    case: 'wildcard: \\* is a literal asterisk',
    ref: `${OPERATORS} § Wildcard matching`,
    pattern: { detail: { key: [{ wildcard: 'dir/\\*' }] } },
    event: { detail: { key: 'dir/*' } },
    matches: true,
  },
  {
    case: 'wildcard: \\* does not match other text',
    ref: `${OPERATORS} § Wildcard matching`,
    pattern: { detail: { key: [{ wildcard: 'dir/\\*' }] } },
    event: { detail: { key: 'dir/file' } },
    matches: false,
  },

  // $or
  {
    case: '$or: d-count < 10 alone satisfies the detail $or',
    ref: `${OPERATORS} § Complex example with $or matching`,
    pattern: orInDetail,
    event: { detail: { 'c-count': 7, 'd-count': 3 } },
    matches: true,
  },
  {
    case: '$or: no branch satisfied',
    ref: `${OPERATORS} § Complex example with $or matching`,
    pattern: orInDetail,
    event: { detail: { 'c-count': 7, 'd-count': 12, 'x-limit': 1 } },
    matches: false,
  },
  {
    case: '$or: source AND (metricName OR namespace)',
    ref: `${OPERATORS} § Complex example with $or matching`,
    pattern: orWithSource,
    event: { source: 'aws.cloudwatch', namespace: 'AWS/ES' },
    matches: true,
  },
  {
    case: '$or: branches do not override the AND with source',
    ref: `${OPERATORS} § Complex example with $or matching`,
    pattern: orWithSource,
    event: { source: 'aws.ec2', metricName: 'CPUUtilization' },
    matches: false,
  },
  {
    case: '$or nested: metricType AND namespace AND (metricId OR spaceId)',
    ref: `${ENGINE} § Nested "Or" and "And"`,
    pattern: nestedOr,
    event: { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2', spaceId: 1000 },
    matches: true,
  },
  {
    case: '$or nested: the inner $or is required',
    ref: `${ENGINE} § Nested "Or" and "And"`,
    pattern: nestedOr,
    event: { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2' },
    matches: false,
  },

  // Complex example
  {
    case: 'complex: prefix, anything-but and numeric together',
    ref: `${OPERATORS} § Complex example with multiple matching`,
    pattern: complexPattern,
    event: rulerEvent(),
    matches: true,
  },
  {
    case: 'complex: x-limit 300 is excluded',
    ref: `${OPERATORS} § Complex example with multiple matching`,
    pattern: complexPattern,
    event: rulerEvent({ 'x-limit': 300 }),
    matches: false,
  },

  // Landfall's own rules
  {
    case: 'landfall: S3 Object Created under incoming/',
    ref: `${S3_EVENTS}; ${LANDFALL}`,
    pattern: s3Landing,
    event: s3ObjectCreated('incoming/lab-a/run-7/S1_S1_L001_R1_001.fastq.gz'),
    matches: true,
  },
  {
    case: 'landfall: S3 Object Created outside incoming/',
    ref: `${S3_EVENTS}; ${LANDFALL}`,
    pattern: s3Landing,
    event: s3ObjectCreated('teams/lab-a/runs/run-7/index.json'),
    matches: false,
  },
  {
    case: 'landfall: S3 Object Deleted under incoming/',
    ref: `${S3_EVENTS}; ${LANDFALL}`,
    pattern: s3Landing,
    event: s3ObjectCreated('incoming/lab-a/run-7/x.fastq.gz', 'Object Deleted'),
    matches: false,
  },
  {
    case: 'landfall: Storage Gateway Object Upload Event under incoming/',
    ref: LANDFALL,
    pattern: gatewayLanding,
    event: gatewayUpload('Storage Gateway Object Upload Event', objectUploaded),
    matches: true,
  },
  {
    case: 'landfall: the working-set barrier is another detail-type',
    ref: LANDFALL,
    pattern: gatewayLanding,
    event: gatewayUpload('Storage Gateway File Upload Event', {
      'event-type': 'upload-complete',
      'notification-id': 'n-1',
      'object-key': 'incoming/x',
    }),
    matches: false,
  },
  {
    case: 'landfall: team subscription to its own events',
    ref: `${LANDFALL}; shared/DESIGN.md § Names`,
    pattern: { source: ['landfall'], detail: { team: ['lab-a'] } },
    event: { source: 'landfall', 'detail-type': 'Sample Landed', detail: { team: 'lab-a', runId: 'run-7', sampleId: 'S1' } },
    matches: true,
  },
  {
    case: "landfall: another team's events",
    ref: `${LANDFALL}; shared/DESIGN.md § Names`,
    pattern: { source: ['landfall'], detail: { team: ['lab-a'] } },
    event: { source: 'landfall', 'detail-type': 'Sample Landed', detail: { team: 'lab-b', runId: 'run-7', sampleId: 'S1' } },
    matches: false,
  },
];

describe('matchesPattern (AWS content-filtering conformance)', () => {
  it.each(rows)('$case', ({ pattern, event, matches, ref }) => {
    // Prepare
    const snapshot = structuredClone(event);

    // Act
    const result = matchesPattern(pattern, event);

    // Assess
    expect(result, `${JSON.stringify(pattern)} vs event (see ${ref})`).toBe(matches);
    expect(event).toEqual(snapshot);
  });

  it('covers every operator with a matching and a non-matching row', () => {
    // Prepare
    const operators = [
      'exact',
      'prefix',
      'suffix',
      'equals-ignore-case',
      'anything-but',
      'anything-but prefix',
      'anything-but suffix',
      'anything-but wildcard',
      'numeric',
      'exists',
      'wildcard',
      'cidr',
      '$or',
      'arrays',
      'null',
    ];

    // Act
    const missing = operators.filter((operator) => {
      const own = rows.filter((row) => row.case.startsWith(`${operator}:`) || row.case.startsWith(`${operator} `));
      return !own.some((row) => row.matches) || !own.some((row) => !row.matches);
    });

    // Assess
    expect(missing).toEqual([]);
  });
});
