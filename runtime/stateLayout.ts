import path from 'node:path';

/** Where the embedded runtime keeps everything, under one state dir a person can browse. */
export function stateLayout(stateDir: string) {
  const root = path.resolve(stateDir);
  return {
    root,
    /** Object storage: one folder per bucket. */
    buckets: path.join(root, 'buckets'),
    /** The local DynamoDB-compatible server's LevelDB files. */
    catalog: path.join(root, 'catalog'),
    /** The default watched share (instrument drop folder): share/<team>/<run>/... */
    share: path.join(root, 'share'),
    /** Bus log (events.jsonl) and dead letters. */
    bus: path.join(root, 'bus'),
    executor: path.join(root, 'executor'),
    logs: path.join(root, 'logs'),
    runtimeFile: path.join(root, 'runtime.json'),
  } as const;
}

export type StateLayout = ReturnType<typeof stateLayout>;

/** What `landfall up` writes so read commands and the dashboard can find the live runtime. */
export interface RuntimeInfo {
  pid: number;
  startedAt: string;
  stateDir: string;
  shareDir: string;
  configPath: string;
  /** catalog: the DynamoDB-compatible server; control: POST /events (the local PutEvents); dashboard: the web page. */
  ports: { catalog: number; control: number; dashboard?: number };
  /**
   * What requests to the catalog server must be signed with (SigV4), fresh at every start. runtime.json is
   * 0600 in a 0700 state dir: only the runtime's user reads it, so no other local process reaches the catalog.
   */
  catalogCredentials: { accessKeyId: string; secretAccessKey: string };
}
