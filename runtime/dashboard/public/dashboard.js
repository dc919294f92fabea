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
  INCOMPLETE: 'Incomplete',
  COMPLETE: 'Complete',
  PROCESSING: 'Processing',
  DONE: 'Done',
};

let openRun = null; // { team, runId } whose timeline is shown

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
function usd(cost) {
  const value = cost?.estimatedUsd ?? 0;
  // Small local runs cost fractions of a cent: show enough digits that they are not all zeros.
  return `$${value.toFixed(value > 0 && value < 0.01 ? 6 : 4)}`;
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
  if (focusedKey) el.querySelector(`[data-focus-key="${focusedKey}"]`)?.focus();
}

function renderRuns(overview) {
  if (overview.teams.every((t) => t.runs.length === 0))
    return '<p class="empty">No runs yet. Runs appear here as soon as an instrument drops files on the share.</p>';
  return overview.teams
    .map(
      (team) => `
    <h3 id="${key('team', team.team)}">Team ${esc(team.team)}</h3>
    ${
      team.runs.length === 0
        ? '<p class="empty">No runs for this team yet.</p>'
        : team.runs
            .map(
              (run) => `
      <article class="card run" data-run="${esc(run.runId)}" aria-labelledby="${key('run', team.team, run.runId)}">
        <div class="run-head">
          <h4 id="${key('run', team.team, run.runId)}">${esc(run.runId)}</h4>
          ${badge(run.status)}
          <p class="facts">${run.waitingFor ? `waiting for ${esc(run.waitingFor)} · ` : ''}${run.notLanded ? `<a href="#not-landed">${run.notLanded} not landed from the share</a> · ` : ''}${run.samples.length} sample(s)${run.unexpectedFiles ? ` · <span class="unexpected">${run.unexpectedFiles} unexpected file(s), not processed</span>` : ''} · ${usd(run.cost)} · updated ${time(run.updatedAt)}</p>
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
      <p>Rejected ${time(q.rejectedAt)} with ${q.reasonCount} reason(s)${q.reasonCount > q.reasons.length ? ` (the first ${q.reasons.length} are shown; all are in reasons.json)` : ''}.</p>
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
  return `<ol class="activity">${activity.map((a) => `<li>${time(a.time)} — ${a.team ? `${esc(a.team)}/` : ''}${esc(a.text)}</li>`).join('')}</ol>`;
}

function renderTimeline(t) {
  return `
    <p>${esc(t.team)} / <strong>${esc(t.runId)}</strong> ${badge(t.status)} · ${t.files} file(s) landed · started ${time(t.createdAt)}${t.signal ? ` · complete by ${esc(t.signal)}` : ''} · ${usd(t.cost)}</p>
    ${
      t.unexpected
        ? `<details class="unexpected"><summary>${t.unexpected.count} unexpected file(s): kept in the landing bucket, not processed</summary><ul>${t.unexpected.files
            .map((f) => `<li><code>${esc(f.name)}</code>: ${esc(f.reason)}</li>`)
            .join(
              '',
            )}${t.unexpected.count > t.unexpected.files.length ? `<li>… and ${t.unexpected.count - t.unexpected.files.length} more (each an "Unexpected File" event)</li>` : ''}</ul></details>`
        : ''
    }
    <div class="timeline">${t.samples
      .map(
        (s) => `
      <h3>${esc(s.sampleId)} ${badge(s.status)}</h3>
      <ol aria-label="Timeline of ${esc(s.sampleId)}">${s.events
        .map(
          (e) => `
        <li class="${esc(e.status)}" data-stage="${esc(e.stage)}">
          <span class="stage">${esc(e.stage === 'step' ? 'step' : e.stage)}</span>: ${esc(e.label)}
          <span class="when">${time(e.at)}${e.until ? ` → ${time(e.until)}` : ''}${e.cost ? ` · ${usd(e.cost)}` : ''}</span>
          <span class="visually-hidden">${e.status === 'active' ? ' (in progress)' : e.status === 'failed' ? ' (failed)' : ''}</span>${
            e.error ? `<p class="step-error">${esc(e.error)}</p>` : ''
          }${e.logTail?.length ? `<pre class="log-tail" aria-label="Last output lines of ${esc(e.step ?? e.stage)}">${esc(e.logTail.join('\n'))}</pre>` : ''}
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
  const response = await fetch(`/api/runs/${encodeURIComponent(openRun.team)}/${encodeURIComponent(openRun.runId)}`, {
    credentials: 'same-origin',
  });
  const section = document.getElementById('timeline');
  const body = await response.json();
  update('timeline-body', response.ok ? renderTimeline(body) : `<p class="error" role="alert">${esc(body.error)}</p>`);
  section.hidden = false;
  if (focus) document.getElementById('timeline-title').focus();
}

function render(snapshot) {
  const overview = snapshot.overview;
  document.getElementById('who').textContent =
    overview.identity.kind === 'operator' ? 'Signed in as the operator (all teams)' : `Signed in as team ${overview.identity.team}`;
  update('runs-body', renderRuns(overview));
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

document.addEventListener('DOMContentLoaded', () => {
  connect();
});
