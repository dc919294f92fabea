// The dashboard page: plain browser JavaScript, served by the runtime itself (no CDN, no build step).
// It follows /api/stream (Server-Sent Events) and redraws only the sections whose content changed, so
// keyboard focus and scroll position survive live updates.
// biome-ignore lint/suspicious/noRedundantUseStrict: a classic <script>, not a module: strict mode is not implied here
'use strict';

const STATUS_WORDS = {
  RECEIVING: 'Receiving',
  VALIDATING: 'Validating',
  REJECTED: 'Rejected',
  READY: 'Ready',
  RUNNING: 'Running',
  COMPLETED: 'Completed',
  FAILED: 'Failed',
  SUPERSEDED: 'Superseded',
  CANCELLED: 'Cancelled',
  INCOMPLETE: 'Incomplete',
  COMPLETE: 'Complete',
  PROCESSING: 'Processing',
  DONE: 'Done',
};

let openRun = null; // { team, runId } whose timeline is shown
let lastSnapshot = null; // the newest snapshot: the search re-renders from it
let csrf = null; // the operator session's anti-forgery value (absent for a team: no actions)
let pendingAction = null; // { action, body, label } waiting for the person's confirmation

function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
function badge(status) {
  return `<span class="status s-${esc(status)}">${esc(STATUS_WORDS[status] ?? status)}</span>`;
}
function time(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return `<time datetime="${esc(iso)}">${esc(d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' }))}</time>`;
}
/** "1 file", "3 files". */
function plural(count, singular, pluralForm) {
  return `${count} ${count === 1 ? singular : (pluralForm ?? `${singular}s`)}`;
}
/** Dollars with the digits that say something: cents above $1, two significant digits below ($0.00013), never $0.0000. */
function usd(cost) {
  const value = cost?.estimatedUsd ?? 0;
  if (value === 0) return '$0';
  if (value < 0.000001) return '< $0.000001';
  if (value >= 1) return `$${value.toFixed(2)}`;
  return `$${value.toFixed(Math.min(6, 1 - Math.floor(Math.log10(value))))}`;
}
/** "850 ms", "12.3 s", "4 min 05 s". */
function duration(ms) {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')} s`;
}
/** A published file of the results bucket, through the dashboard (it checks the team may read it). */
function fileUrl(key) {
  return `/api/files?key=${encodeURIComponent(key)}`;
}
function vcpu(cost) {
  return `${(cost?.vcpuSeconds ?? 0).toFixed(1)} vCPU·s`;
}
function key(...parts) {
  return parts.map((p) => String(p).replace(/[^A-Za-z0-9_-]/g, '_')).join('--');
}

/** Replaces a section's content only when it changed, then puts focus back where it was. */
function update(id, html) {
  const el = document.getElementById(id);
  if (el.dataset.html === html) return;
  const focusedKey = document.activeElement?.dataset?.focusKey;
  el.innerHTML = html;
  el.dataset.html = html;
  // Bars are placed through the CSSOM: the page's CSP allows no inline style attribute.
  for (const bar of el.querySelectorAll('[data-bar-left]')) {
    bar.style.marginLeft = `${bar.dataset.barLeft}%`;
    bar.style.width = `${bar.dataset.barWidth}%`;
  }
  if (focusedKey) el.querySelector(`[data-focus-key="${focusedKey}"]`)?.focus();
}

/** What the search box asks for, lower-cased; empty shows everything. */
function query() {
  return (document.getElementById('search')?.value ?? '').trim().toLowerCase();
}
/** A run matches by its id; otherwise only its samples whose id matches are shown. */
function filterRuns(runs, q) {
  if (!q) return runs;
  return runs
    .map((run) =>
      run.runId.toLowerCase().includes(q) ? run : { ...run, samples: run.samples.filter((s) => s.sampleId.toLowerCase().includes(q)) },
    )
    .filter((run) => run.runId.toLowerCase().includes(q) || run.samples.length > 0);
}

const COUNT_WORDS = ['RECEIVING', 'VALIDATING', 'READY', 'RUNNING', 'COMPLETED', 'REJECTED', 'FAILED', 'CANCELLED'];
function renderSummary(overview) {
  const { summary } = overview;
  const counts = COUNT_WORDS.filter((status) => summary.counts[status])
    .map((status) => `<li><span class="count">${summary.counts[status]}</span> ${esc((STATUS_WORDS[status] ?? status).toLowerCase())}</li>`)
    .join('');
  return `<ul class="counters" aria-label="Summary">
    <li><span class="count">${summary.runsInFlight}</span> of ${plural(summary.runs, 'run')} in flight</li>
    <li><span class="count">${summary.samples}</span> ${summary.samples === 1 ? 'sample' : 'samples'}</li>${counts}
    <li><span class="count">${esc(usd(summary))}</span> estimated</li>${
      overview.notLanded.count > 0
        ? `<li><a href="#not-landed"><span class="count">${overview.notLanded.count}</span> ${overview.notLanded.count === 1 ? 'entry' : 'entries'} on the share not landed</a></li>`
        : ''
    }
  </ul>`;
}

function stateBadges(state) {
  return `<span class="status landing-${esc(state.landing.state)}">${esc(state.landing.label)}</span>
          <span class="status processing-${esc(state.processing.state)}">${esc(state.processing.label)}</span>`;
}

function renderRuns(overview, q = '') {
  if (overview.teams.every((t) => t.runs.length === 0))
    return '<p class="empty">No runs yet. Runs appear here as soon as an instrument drops files on the share.</p>';
  return overview.teams
    .map((team) => ({ ...team, shown: filterRuns(team.runs, q) }))
    .map(
      (team) => `
    <h3 id="${key('team', team.team)}">Team ${esc(team.team)}</h3>
    ${
      team.runs.length === 0
        ? '<p class="empty">No runs for this team yet.</p>'
        : team.shown.length === 0
          ? `<p class="empty">No run or sample of team ${esc(team.team)} matches “${esc(q)}”.</p>`
          : team.shown
              .map(
                (run) => `
      <article class="card run" data-run="${esc(run.runId)}" aria-labelledby="${key('run', team.team, run.runId)}">
        <div class="run-head">
          <h4 id="${key('run', team.team, run.runId)}">${esc(run.runId)}</h4>
          ${stateBadges(run.state)}
          <p class="facts">${run.notLanded ? `<a href="#not-landed">${run.notLanded} not landed from the share</a> · ` : ''}${plural(run.samples.length, 'sample')}${run.unexpectedFiles ? ` · <span class="unexpected">${plural(run.unexpectedFiles, 'unexpected file')}, not processed</span>` : ''} · ${usd(run.cost)} · updated ${time(run.updatedAt)}</p>
          <button type="button" class="secondary" data-action="timeline" data-team="${esc(team.team)}" data-run-id="${esc(run.runId)}"
            data-focus-key="${key('tl', team.team, run.runId)}" aria-label="Show timeline of run ${esc(run.runId)}">Timeline</button>
        </div>
        <table>
          <caption>Samples of run ${esc(run.runId)}</caption>
          <thead><tr><th scope="col">Sample</th><th scope="col">Status</th><th scope="col">Where it is</th><th scope="col">Version</th><th scope="col" class="num">Cost</th></tr></thead>
          <tbody>${run.samples
            .map(
              (s) => `
            <tr data-sample="${esc(s.sampleId)}">
              <th scope="row">${esc(s.sampleId)}</th>
              <td class="sample-status">${badge(s.status)}</td>
              <td class="sample-detail">${esc(s.detail ?? '')}</td>
              <td>${s.version ? `v${s.version}` : ''}</td>
              <td class="num">${usd(s.cost)}</td>
            </tr>`,
            )
            .join('')}
          </tbody>
        </table>
      </article>`,
              )
              .join('')
    }`,
    )
    .join('');
}

function renderQuarantine(overview) {
  if (overview.quarantine.length === 0) return '<p class="empty">Nothing is in quarantine.</p>';
  return overview.quarantine
    .map(
      (q) => `
    <article class="card quarantined" data-sample="${esc(q.sampleId)}" aria-labelledby="${key('q', q.team, q.runId, q.sampleId)}">
      <h3 id="${key('q', q.team, q.runId, q.sampleId)}">${esc(q.team)} / ${esc(q.runId)} / ${esc(q.sampleId)} v${q.version}</h3>
      <p>Rejected ${time(q.rejectedAt)} with ${plural(q.reasonCount, 'reason')}${q.reasonCount > q.reasons.length ? ` (the first ${q.reasons.length} are shown; all are in reasons.json)` : ''}.</p>
      <dl class="reasons">${q.reasons
        .map(
          (r) => `
        <dt>${esc(r.file)}${r.line !== undefined ? `, line ${r.line}` : ''}${r.record !== undefined ? `, record ${r.record}` : ''}</dt>
        <dd>${esc(r.message)}${r.expected !== undefined ? `<br>Expected: ${esc(r.expected)}` : ''}${r.found !== undefined ? `<br>Found: ${esc(r.found)}` : ''}</dd>`,
        )
        .join('')}
      </dl>
      <p class="todo"><strong>What to do:</strong> ${esc(q.whatToDo)}</p>
      <p>Files kept in the ${esc(q.location)}.</p>
    </article>`,
    )
    .join('');
}

function renderNotLanded(overview) {
  const { count, shown } = overview.notLanded;
  if (count === 0) return '<p class="empty">Everything on the share landed.</p>';
  return `<table>
    <caption>${count} entr${count === 1 ? 'y' : 'ies'} of the share left where they are${count > shown.length ? ` (the first ${shown.length} are shown; landfall status --json lists them)` : ''}</caption>
    <thead><tr><th scope="col">Entry on the share</th><th scope="col">Why it did not land</th></tr></thead>
    <tbody>${shown
      .map(
        (entry) => `
      <tr data-entry="${esc(entry.path)}"><th scope="row">${esc(entry.path)}</th><td>${esc(entry.reason)}</td></tr>`,
      )
      .join('')}
    </tbody>
  </table>`;
}

function renderRegions(overview) {
  return `<table>
    <caption>Capacity per region: vCPUs reserved by queued and running jobs</caption>
    <thead><tr><th scope="col">Region</th><th scope="col">State</th><th scope="col">Utilization</th><th scope="col" class="num">Running</th><th scope="col" class="num">Queued</th></tr></thead>
    <tbody>${overview.regions
      .map(
        (r) => `
      <tr data-region="${esc(r.region)}">
        <th scope="row">${esc(r.region)}${r.home ? ' (home)' : ''}</th>
        <td>${r.state === 'awake' ? 'Awake' : 'Scaled down (idle)'}</td>
        <td><meter min="0" max="${r.vcpuQuota}" value="${Math.min(r.reservedVcpus, r.vcpuQuota)}" aria-label="Utilization of ${esc(r.region)}"></meter>
          ${Math.round(r.utilization * 100)}% (${r.reservedVcpus} of ${r.vcpuQuota} vCPUs)</td>
        <td class="num">${r.running}</td>
        <td class="num">${r.queueDepth}</td>
      </tr>`,
      )
      .join('')}
    </tbody></table>`;
}

function renderCosts(overview) {
  const rows = overview.teams.flatMap((team) => [
    `<tr class="team-total"><th scope="row">Team ${esc(team.team)} (all runs)</th><td class="num">${vcpu(team.cost)}</td><td class="num">${usd(team.cost)}</td></tr>`,
    ...team.runs.map(
      (run) =>
        `<tr><td>${esc(team.team)} / ${esc(run.runId)}</td><td class="num">${vcpu(run.cost)}</td><td class="num">${usd(run.cost)}</td></tr>`,
    ),
  ]);
  return `<table>
    <caption>Estimated compute cost per team and run (every attempt counts)</caption>
    <thead><tr><th scope="col">Team or run</th><th scope="col" class="num">Compute</th><th scope="col" class="num">Estimate</th></tr></thead>
    <tbody>${rows.join('')}</tbody></table>`;
}

function renderActivity(activity) {
  if (activity.length === 0) return '<p class="empty">No events yet.</p>';
  return `<ol class="activity">${activity
    .map(
      (a) =>
        `<li>${time(a.time)} — ${a.team ? `${esc(a.team)}/` : ''}${esc(a.text)}${a.repeats ? ` <span class="repeats" aria-label="${a.repeats} times in a row">×${a.repeats}</span>` : ''}</li>`,
    )
    .join('')}</ol>`;
}

/** Which actions a sample offers the operator: reprocess once it finished (one way or another), cancel while on its way. */
const REPROCESSABLE = ['COMPLETED', 'FAILED', 'CANCELLED'];
// As functions/operate/cancelSamples.ts CANCELLABLE_STATUSES (a validating sample finishes validation first).
const CANCELLABLE = ['READY', 'RUNNING'];

/**
 * Each step's bar spans its start to its end (now, while it runs) on one scale for the whole run, so the
 * slow step and the waiting between steps show at a glance; the duration is also written out.
 */
function stepBar(e, span) {
  if (e.stage !== 'step' || !e.at) return '';
  const start = Date.parse(e.at);
  const end = e.until ? Date.parse(e.until) : e.status === 'active' ? Date.now() : start;
  const left = span.width > 0 ? ((start - span.start) / span.width) * 100 : 0;
  const width = span.width > 0 ? Math.max(0.5, ((end - start) / span.width) * 100) : 100;
  return `<span class="bar-track" aria-hidden="true"><span class="bar ${esc(e.status)}" data-bar-left="${left.toFixed(2)}" data-bar-width="${Math.min(100 - left, width).toFixed(2)}"></span></span>
          <span class="took">${e.status === 'active' ? 'running for ' : 'took '}${esc(duration(end - start))}</span>`;
}

function timelineSpan(t) {
  const times = t.samples
    .flatMap((s) => s.events.filter((e) => e.stage === 'step'))
    .flatMap((e) => [Date.parse(e.at), e.until ? Date.parse(e.until) : e.status === 'active' ? Date.now() : Date.parse(e.at)])
    .filter((value) => !Number.isNaN(value));
  if (times.length === 0) return { start: 0, width: 0 };
  const start = Math.min(...times);
  return { start, width: Math.max(...times) - start };
}

function renderOutputs(e) {
  if (!e.outputs?.length) return '';
  return `<ul class="outputs" aria-label="Outputs of ${esc(e.step)}">${e.outputs
    .map(
      (o) =>
        `<li><a href="${esc(fileUrl(o.key))}" download="${esc(o.name)}">${esc(o.name)}</a> <span class="when">${esc(size(o.size))}</span></li>`,
    )
    .join('')}</ul>`;
}
function size(bytes) {
  if (bytes < 1024) return plural(bytes, 'byte');
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function sampleActions(t, s) {
  if (!csrf) return '';
  const buttons = [];
  if (REPROCESSABLE.includes(s.status))
    buttons.push(
      `<button type="button" class="secondary" data-action="reprocess" data-team="${esc(t.team)}" data-run-id="${esc(t.runId)}" data-sample-id="${esc(s.sampleId)}"
        data-steps="${esc((s.steps ?? []).join(','))}" data-focus-key="${key('rp', t.team, t.runId, s.sampleId)}">Reprocess ${esc(s.sampleId)}…</button>`,
    );
  if (CANCELLABLE.includes(s.status))
    buttons.push(
      `<button type="button" class="secondary" data-action="cancel" data-team="${esc(t.team)}" data-run-id="${esc(t.runId)}" data-sample-id="${esc(s.sampleId)}"
        data-focus-key="${key('cx', t.team, t.runId, s.sampleId)}">Cancel ${esc(s.sampleId)}…</button>`,
    );
  return buttons.length ? `<div class="actions">${buttons.join('')}</div>` : '';
}

/** The step's log (stdout and stderr of its job), through the dashboard. */
function logUrl(t, s, e) {
  const parts = [t.team, t.runId, s.sampleId, e.step].map(encodeURIComponent).join('/');
  return `/api/logs/${parts}${e.attempt ? `?attempt=${e.attempt}` : ''}`;
}

function renderTimeline(t) {
  const span = timelineSpan(t);
  return `
    <p>${esc(t.team)} / <strong>${esc(t.runId)}</strong> ${stateBadges(t.state)}</p>
    <p class="facts">${plural(t.files, 'file')} landed · started ${time(t.createdAt)} · ${usd(t.cost)}${
      t.report
        ? ` · <a href="${esc(fileUrl(t.report.html))}" target="_blank" rel="noopener">Run report</a> (<a href="${esc(fileUrl(t.report.json))}" download="report.json">JSON</a>)`
        : ' · the run report is written when the run is done'
    }</p>
    ${
      csrf
        ? `<div class="actions"><button type="button" class="secondary" data-action="replay" data-team="${esc(t.team)}" data-run-id="${esc(t.runId)}"
            data-focus-key="${key('rl', t.team, t.runId)}">Replay run ${esc(t.runId)}…</button>${
              t.samples.some((s) => CANCELLABLE.includes(s.status))
                ? ` <button type="button" class="secondary" data-action="cancel" data-team="${esc(t.team)}" data-run-id="${esc(t.runId)}"
            data-focus-key="${key('cr', t.team, t.runId)}">Cancel run ${esc(t.runId)}…</button>`
                : ''
            }</div>`
        : ''
    }
    ${
      t.unexpected
        ? `<details class="unexpected"><summary>${plural(t.unexpected.count, 'unexpected file')}: kept in the landing bucket, not processed</summary><ul>${t.unexpected.files
            .map((f) => `<li><code>${esc(f.name)}</code>: ${esc(f.reason)}</li>`)
            .join(
              '',
            )}${t.unexpected.count > t.unexpected.files.length ? `<li>… and ${t.unexpected.count - t.unexpected.files.length} more (each an "Unexpected File" event)</li>` : ''}</ul></details>`
        : ''
    }
    <div class="timeline">${t.samples
      .map(
        (s) => `
      <h3 data-timeline-sample="${esc(s.sampleId)}">${esc(s.sampleId)} ${badge(s.status)}${s.version ? ` <span class="when">v${s.version}</span>` : ''}</h3>
      ${sampleActions(t, s)}
      <ol aria-label="Timeline of ${esc(s.sampleId)}">${s.events
        .map(
          (e) => `
        <li class="${esc(e.status)}" data-stage="${esc(e.stage)}"${e.step ? ` data-step="${esc(e.step)}"` : ''}>
          <span class="stage">${esc(e.stage === 'step' ? 'step' : e.stage)}</span>: ${esc(e.label)}
          <span class="when">${time(e.at)}${e.until ? ` → ${time(e.until)}` : ''}${e.cost ? ` · ${usd(e.cost)}` : ''}</span>
          ${stepBar(e, span)}${
            e.stage === 'step' && e.step && s.version
              ? ` <a class="log-link" href="${esc(logUrl(t, s, e))}" target="_blank" rel="noopener">Log of ${esc(e.step)}${e.attempt ? `, attempt ${e.attempt}` : ''}</a>`
              : ''
          }
          <span class="visually-hidden">${e.status === 'active' ? ' (in progress)' : e.status === 'failed' ? ' (failed)' : e.status === 'stopped' ? ' (stopped)' : ''}</span>${
            e.error ? `<p class="step-error">${esc(e.error)}</p>` : ''
          }${e.logTail?.length ? `<pre class="log-tail" aria-label="Last output lines of ${esc(e.step ?? e.stage)}">${esc(e.logTail.join('\n'))}</pre>` : ''}${renderOutputs(e)}
        </li>`,
        )
        .join('')}
      </ol>`,
      )
      .join('')}
    </div>`;
}

async function loadTimeline(focus) {
  if (!openRun) return;
  const section = document.getElementById('timeline');
  let html;
  try {
    const response = await fetch(`/api/runs/${encodeURIComponent(openRun.team)}/${encodeURIComponent(openRun.runId)}`, {
      credentials: 'same-origin',
    });
    const body = await response.json();
    html = response.ok ? renderTimeline(body) : `<p class="error" role="alert">${esc(body.error)}</p>`;
  } catch (error) {
    // A button that seems to do nothing is worse than saying why (the runtime stopped, the network dropped).
    html = `<p class="error" role="alert">Could not load the timeline: ${esc(error.message)}. Press Timeline again to retry.</p>`;
  }
  if (!openRun) return; // closed while it loaded
  update('timeline-body', html);
  section.hidden = false;
  if (focus) document.getElementById('timeline-title').focus();
}

function render(snapshot) {
  const overview = snapshot.overview;
  document.getElementById('who').textContent =
    overview.identity.kind === 'operator' ? 'Signed in as the operator (all teams)' : `Signed in as team ${overview.identity.team}`;
  lastSnapshot = snapshot;
  csrf = snapshot.actions?.csrf ?? null;
  update('summary-body', renderSummary(overview));
  update('runs-body', renderRuns(overview, query()));
  update('quarantine-body', renderQuarantine(overview));
  update('not-landed-body', renderNotLanded(overview));
  update('regions-body', renderRegions(overview));
  update('costs-body', renderCosts(overview));
  update('activity-body', renderActivity(snapshot.activity));
  document.getElementById('updated').textContent = `Updated ${new Date(snapshot.generatedAt).toLocaleTimeString()}.`;
  if (openRun) void loadTimeline(false);
}

function connect() {
  const status = document.getElementById('connection');
  const source = new EventSource('/api/stream');
  source.addEventListener('open', () => {
    status.textContent = 'Live.';
  });
  source.addEventListener('snapshot', (event) => render(JSON.parse(event.data)));
  source.addEventListener('problem', (event) => {
    status.textContent = `The runtime reported a problem: ${JSON.parse(event.data).error}`;
  });
  // EventSource reconnects by itself; say so instead of showing stale data as if it were live.
  source.addEventListener('error', () => {
    status.textContent = 'Connection lost; reconnecting…';
  });
}

document.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action="timeline"]');
  if (button) {
    openRun = { team: button.dataset.team, runId: button.dataset.runId };
    void loadTimeline(true);
  }
  if (event.target.id === 'timeline-close') {
    const back = openRun && document.querySelector(`[data-focus-key="${key('tl', openRun.team, openRun.runId)}"]`);
    openRun = null;
    document.getElementById('timeline').hidden = true;
    back?.focus();
  }
});

/** Asks the person to confirm an action in the page's dialog (with the step to start from, for a reprocess). */
function confirmAction(button) {
  const { action, team, runId, sampleId } = button.dataset;
  const dialog = document.getElementById('confirm');
  const steps = (button.dataset.steps ?? '').split(',').filter(Boolean);
  const target = sampleId ? `${team}/${runId}/${sampleId}` : `${team}/${runId}`;
  pendingAction = { action, team, runId, sampleId, button };
  const words = {
    reprocess: [
      `Reprocess ${target}?`,
      'Its landed files run through the pipeline again as a new execution; steps before the one you choose reuse their published outputs.',
      'Reprocess',
    ],
    replay: [
      `Replay run ${target}?`,
      'Every landed file of the run is sent through landing again; what the catalog already has is left as it is.',
      'Replay',
    ],
    cancel: [
      sampleId ? `Cancel ${target}?` : `Cancel every sample of run ${target} still on its way?`,
      'Its execution and running jobs are stopped and it is marked Cancelled; nothing more is published for it. Reprocess restarts it.',
      'Cancel it',
    ],
  }[action];
  document.getElementById('confirm-title').textContent = words[0];
  document.getElementById('confirm-text').textContent = words[1];
  const from = document.getElementById('confirm-from');
  from.hidden = action !== 'reprocess';
  document.getElementById('confirm-step').innerHTML = `<option value="">every step</option>${steps
    .map((step) => `<option value="${esc(step)}">${esc(step)}</option>`)
    .join('')}`;
  document.getElementById('confirm-go').textContent = words[2];
  dialog.showModal();
}

async function sendAction() {
  const { action, team, runId, sampleId } = pendingAction;
  const body = action === 'replay' || !sampleId ? { team, runId } : { team, runId, sampleId };
  const fromStep = document.getElementById('confirm-step').value;
  if (action === 'reprocess' && fromStep) body.fromStep = fromStep;
  const status = document.getElementById('action-status');
  status.classList.remove('error');
  status.textContent = 'Sending…';
  try {
    const response = await fetch(`/api/actions/${action}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf ?? '' },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    if (!response.ok) status.classList.add('error');
    status.textContent = response.ok ? answer.message : `Not done: ${answer.error}`;
  } catch (error) {
    status.classList.add('error');
    status.textContent = `Not done: ${error.message}`;
  }
}

document.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action="reprocess"], button[data-action="replay"], button[data-action="cancel"]');
  if (button && csrf) confirmAction(button);
});

document.addEventListener('DOMContentLoaded', () => {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-form').addEventListener('submit', (event) => {
    event.preventDefault();
    dialog.close();
    void sendAction();
  });
  document.getElementById('confirm-cancel').addEventListener('click', () => dialog.close());
  // Focus goes back to the button that opened the dialog, whichever way it closed.
  // (the timeline may have been redrawn meanwhile: the button is found again by its key).
  dialog.addEventListener('close', () => {
    const focusKey = pendingAction?.button?.dataset.focusKey;
    if (focusKey) document.querySelector(`[data-focus-key="${focusKey}"]`)?.focus();
  });
  document.getElementById('search').addEventListener('input', () => {
    if (lastSnapshot) update('runs-body', renderRuns(lastSnapshot.overview, query()));
  });
  connect();
});
