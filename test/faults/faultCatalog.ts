/**
 * Every fault `npm run test:faults` injects, with the test(s) that inject it and assert that Landfall survived
 * it (expected terminal state, zero lost files, zero duplicate outputs or notifications). Existing end-to-end
 * tests that already inject a fault are referenced, not duplicated. `inNpmTest` says whether `npm test`
 * runs it too (every file of the suite is under test/, so all of them do today; see README "Reliability").
 */
export interface FaultCase {
  fault: string;
  /** Test file, relative to the project root. */
  file: string;
  /** Full test names (describe › it) that must all pass; matched as a prefix (it.each names carry their case). */
  tests: string[];
}

export const faultCatalog: FaultCase[] = [
  {
    fault: 'duplicate-event storm (2 OS processes × 20 copies of each S3 + File Gateway event)',
    file: 'test/e2e/exactlyOnce.test.ts',
    tests: [
      'exactly once on the embedded runtime starts one execution and emits one of each notification under a duplicate storm from two processes',
    ],
  },
  {
    fault: 'out-of-order events (markers first, reversed, gateway before S3, event before its object)',
    file: 'test/faults/eventFaults.test.ts',
    tests: ['fault: out-of-order events and events for deleted objects completes every sample exactly once when events arrive in reverse'],
  },
  {
    fault: 'events for deleted objects',
    file: 'test/faults/eventFaults.test.ts',
    tests: ['fault: out-of-order events and events for deleted objects catalogs nothing for objects deleted before their events arrive'],
  },
  {
    fault:
      'SIGKILL of the embedded runtime mid-run, then restart (9 kill points: 3 in the work, 5 between claiming and publishing a fact, 1 before claiming one)',
    file: 'test/e2e/crashRecovery.test.ts',
    tests: [
      "crash recovery of the embedded runtime SIGKILL 'while a job runs'",
      "crash recovery of the embedded runtime SIGKILL 'between an output copy",
      "crash recovery of the embedded runtime SIGKILL 'between StartExecution",
      ...['Sample Landed', 'Sample Cataloged', 'Workflow Started', 'Sample Completed', 'Run Completed'].map(
        (detailType) => `crash recovery of the embedded runtime SIGKILL 'after claiming "${detailType}"'`,
      ),
      `crash recovery of the embedded runtime SIGKILL 'before claiming "Sample Cataloged"'`,
    ],
  },
  {
    fault: 'catalog server (dynalite) restarted under load, twice',
    file: 'test/faults/catalogRestart.test.ts',
    tests: ['fault: the catalog server restarted under load completes every sample exactly once'],
  },
  {
    fault: 'spot interruption of a running job',
    file: 'test/e2e/spotInterruption.test.ts',
    tests: ['spot interruption: attempt 1 killed with its host, attempt 2 succeeds, only attempt 2 is published'],
  },
  {
    fault: 'a region down mid-run',
    file: 'test/e2e/regions.test.ts',
    tests: ['regions: a run spread over three regions survives losing one mid-job'],
  },
  {
    fault: 'the disk holding the state dir full mid-run (the bus log cannot be appended), then space freed and a restart',
    file: 'test/faults/diskFull.test.ts',
    tests: ['fault: the disk fills up mid-run stops with one line saying what to do'],
  },
  { fault: 'a step failing with ENOSPC', file: 'test/faults/stepFaults.test.ts', tests: ['fault: a step fails with ENOSPC'] },
  { fault: 'a step hanging past its timeout', file: 'test/faults/stepFaults.test.ts', tests: ['fault: a step hangs past its timeout'] },
  {
    fault: 'a corrupted file landing mid-run',
    file: 'test/faults/midRunFaults.test.ts',
    tests: ['fault: corrupted and re-landed files mid-run rejects and quarantines a sample whose file lands corrupted mid-run'],
  },
  {
    fault: 'a file re-landed while its sample is processing',
    file: 'test/faults/midRunFaults.test.ts',
    tests: ['fault: corrupted and re-landed files mid-run re-landing a sample while version 1 runs'],
  },
];
