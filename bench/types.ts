/** One measured figure beside its target. */
export interface BenchRow {
  name: string;
  /** `null` when the figure could not be measured (tool missing, case skipped); `note` says why. */
  value: number | null;
  unit: string;
  /** The target in words ("≤ 1.20", "< 200"), empty when the row is informative only. */
  target: string;
  /** Whether the target is met; `undefined` for rows without a target or without a value. */
  ok?: boolean;
  note?: string;
}

export interface BenchContext {
  /** Folder for generated inputs, kept between runs (gitignored). */
  cacheDir: string;
  /** Runs per measured command (medians are reported); at least 3. */
  runs: number;
  /** Run the slow cases (for validation: peak RSS on a 2 GB file); off with `--skip-large`. */
  large: boolean;
  log: (line: string) => void;
}

/** A benchmark module: `bench/run.ts` runs each one listed there and prints its rows. */
export interface BenchModule {
  name: string;
  description: string;
  run(context: BenchContext): Promise<BenchRow[]>;
}
