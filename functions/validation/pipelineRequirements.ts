/**
 * What the team's pipeline needs of a sample, checked when the sample is validated so that a sample it cannot
 * run is REJECTED with the reason, never failed later in a job (issue 17): every read its steps name
 * (`{{reads.R2}}` on a single-end sample), every sample-sheet parameter (`{{param.<Column>}}`) without a
 * default, and the reference each step picks (`reference: { column, default }`) among the config's references.
 */
import { SHELL_SAFE_VALUE, isShellScript } from '../../config/placeholders.ts';
import { placeholdersOf, type Pipeline, sampleSteps } from '../../workflows/pipeline.ts';
import { pipelineNamed } from '../../workflows/pipelines/index.ts';
import type { RuleCode } from '../../validation/rules.ts';
import type { ValidationReason } from '../../validation/types.ts';
import type { LandedFile, VersionFile } from '../catalog/types.ts';
import { SAMPLE_SHEET_NAME } from '../../layouts/runFiles.ts';
import { SAMPLE_SHEET } from '../landing/completeness.ts';
import type { Services } from '../shared/services.ts';

/** The sample-sheet values a sample's version records, and why the pipeline cannot run the sample (if it cannot). */
export interface PipelineRequirements {
  params: Record<string, string>;
  reasons: ValidationReason[];
}

/** Tables keyed by Sample_ID: v1 `[Data]`, and every v2 `[<Application>_Data]` (BCLConvert, Cloud, a DRAGEN app's, a lab's own). */
const isDataSection = (section: string) => section === 'data' || section.endsWith('_data');

/** Splits one CSV line: double-quoted cells may hold commas (`""` is a quote); cells are trimmed. */
function csvCells(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      cells.push(cell.trim());
      cell = '';
    } else cell += char;
  }
  cells.push(cell.trim());
  return cells;
}

/**
 * Every column of a sample's rows in a sample sheet: the data table (`[Data]`, `[BCLConvert_Data]`, or a
 * CASAVA sheet's one table) and every other v2 application table (`[Cloud_Data]`, `[DragenGermline_Data]`,
 * a lab's `[Landfall_Data]`: Sample Sheet v2 keys each by Sample_ID), header names as written; the first
 * non-empty value per column, in the sheet's order.
 *
 * @example sampleSheetValues('[Data]\nSample_ID,Reference\nS1,hg38\n', 'S1'); // { Sample_ID: 'S1', Reference: 'hg38' }
 */
export function sampleSheetValues(text: string, sampleId: string): Record<string, string> {
  const values: Record<string, string> = {};
  let section: string | undefined;
  let header: string[] | undefined;
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    if (raw.trim() === '' || /^,*$/.test(raw.trim())) continue;
    const title = /^\[(.+)\]/.exec(raw.trim());
    if (title) {
      section = title[1]!.trim().toLowerCase();
      header = undefined;
      continue;
    }
    const cells = csvCells(raw);
    const inTable = section === undefined || isDataSection(section);
    if (!inTable) continue;
    if (!header) {
      // A table's header names its samples' column (CASAVA 1.8 spells it SampleID).
      if (cells.some((cell) => /^sample_?id$/i.test(cell))) header = cells;
      continue;
    }
    const idColumn = header.findIndex((cell) => /^sample_?id$/i.test(cell));
    if (cells[idColumn] !== sampleId) continue;
    header.forEach((name, column) => {
      const value = cells[column] ?? '';
      if (name !== '' && value !== '' && values[name] === undefined) values[name] = value;
    });
  }
  return values;
}

/**
 * What `pipeline` needs of a sample with these read labels and sample-sheet values: the reasons it cannot run
 * it (none when it can), and the values its steps use (recorded on the version, read again at each job).
 */
export function checkPipelineRequirements(
  pipeline: Pick<Pipeline, 'name' | 'steps' | 'paramDefaults'>,
  /** `sheetName`: the run's sample sheet the values come from, named in the reasons (SampleSheet.csv when not given). */
  sample: { sampleId: string; labels: readonly string[]; sheet: Record<string, string>; sheetName?: string },
  references: Record<string, string>,
): PipelineRequirements {
  const reasons: ValidationReason[] = [];
  const params: Record<string, string> = {};
  const reason = (code: RuleCode, message: string, expected?: string, found?: string) =>
    reasons.push({ code, file: sample.sheetName ?? SAMPLE_SHEET, message, ...(expected && { expected }), ...(found && { found }) });
  for (const step of sampleSteps(pipeline)) {
    for (const placeholder of placeholdersOf(step)) {
      if (placeholder.kind === 'reads' && !sample.labels.includes(placeholder.label))
        reason(
          'PIPELINE_READ_MISSING',
          `pipeline ${pipeline.name} step ${step.name} reads ${placeholder.text}, but sample ${sample.sampleId} has no ${placeholder.label} file (it has ${sample.labels.join(', ') || 'none'})`,
          `${placeholder.label} files`,
          sample.labels.join(', ') || 'none',
        );
      if (placeholder.kind === 'param') {
        const value = sample.sheet[placeholder.column] || pipeline.paramDefaults[placeholder.column];
        if (value === undefined || value === '') {
          reason(
            'PIPELINE_PARAM',
            `pipeline ${pipeline.name} step ${step.name} uses ${placeholder.text}, but sample ${sample.sampleId} leaves column ${placeholder.column} empty and the pipeline gives no default: fill it in the sample sheet`,
            `a ${placeholder.column} value`,
            'an empty cell',
          );
        } else if (isShellScript(step.command, placeholder.index) && !SHELL_SAFE_VALUE.test(value)) {
          reason(
            'PIPELINE_PARAM',
            `pipeline ${pipeline.name} step ${step.name} puts ${placeholder.text} into shell text, and sample ${sample.sampleId}'s value "${value}" has characters a shell would interpret`,
            'letters, digits and . _ + , : = @ % / -',
            value,
          );
        }
        if (sample.sheet[placeholder.column]) params[placeholder.column] = sample.sheet[placeholder.column]!;
      }
    }
    if (step.reference) {
      const named = sample.sheet[step.reference.column];
      const name = named || step.reference.default;
      if (named) params[step.reference.column] = named;
      if (!name)
        reason(
          'PIPELINE_REFERENCE',
          `pipeline ${pipeline.name} step ${step.name} needs a reference: sample ${sample.sampleId} names none in column ${step.reference.column} and the step has no default`,
          `a reference name in column ${step.reference.column}`,
          'an empty cell',
        );
      else if (!(name in references))
        reason(
          'PIPELINE_REFERENCE',
          `sample ${sample.sampleId} names reference ${name} in column ${step.reference.column}, which is not one of the config's references [${Object.keys(references).join(', ')}]`,
          `one of ${Object.keys(references).join(', ') || '(no references configured)'}`,
          name,
        );
    }
  }
  return { params, reasons };
}

/** The run item and its landed files (its documents among them) as a validation read them just before. */
export interface RunAsRead {
  run: { documents?: string[] } | undefined;
  files: readonly LandedFile[];
}

/**
 * {@link checkPipelineRequirements} for a sample of `team`'s run: the team's pipeline, the sample's read labels
 * from its files, its values from the run's landed sample sheet (none when the run has no sheet).
 */
export async function pipelineRequirementsOf(
  svc: Pick<Services, 'config' | 'catalog' | 'storage'>,
  ref: { team: string; runId: string; sampleId: string },
  files: readonly Pick<VersionFile, 'read'>[],
  known?: RunAsRead,
): Promise<PipelineRequirements> {
  const team = svc.config.teams.find((candidate) => candidate.id === ref.team);
  if (!team) return { params: {}, reasons: [] };
  const pipeline = pipelineNamed(svc.config, team.pipeline);
  // The sheet the run's completeness read (layouts/runFiles.ts runSampleSheetPath), as the run
  // item names its documents: reading only SampleSheet.csv left a SampleSheet_v2.csv's Reference column unread,
  // and its samples aligned to the default reference without a word.
  const run = known ? known.run : await svc.catalog.runs.get(ref.team, ref.runId);
  const sheetName = run?.documents?.find((name) => SAMPLE_SHEET_NAME.test(name.slice(name.lastIndexOf('/') + 1))) ?? SAMPLE_SHEET;
  const [sheetFile]: (LandedFile | undefined)[] = known
    ? [known.files.find((file) => file.name === sheetName)]
    : await svc.catalog.runs.getFiles(ref.team, ref.runId, [sheetName]);
  const sheet = sheetFile ? sampleSheetValues(await sheetText(svc, sheetFile), ref.sampleId) : {};
  return checkPipelineRequirements(
    pipeline,
    { sampleId: ref.sampleId, labels: [...new Set(files.map((file) => file.read))], sheet, sheetName },
    svc.config.references,
  );
}

/**
 * Sheet texts by object identity: every sample of a run is checked against the same sheet (a run of hundreds
 * read it hundreds of times). Keyed by bucket, key, ETag and version, so a re-uploaded sheet is read again.
 */
const sheetTexts = new Map<string, string>();
const SHEET_TEXTS_KEPT = 16;

async function sheetText(svc: Pick<Services, 'storage'>, file: LandedFile): Promise<string> {
  const identity = `${file.bucket}\u0000${file.key}\u0000${file.etag}\u0000${file.versionId ?? ''}`;
  const known = sheetTexts.get(identity);
  if (known !== undefined) return known;
  const text = (await svc.storage.getBytes(file.bucket, file.key)).toString('utf8');
  if (sheetTexts.size >= SHEET_TEXTS_KEPT) sheetTexts.delete(sheetTexts.keys().next().value!);
  sheetTexts.set(identity, text);
  return text;
}
