// The Aurous playground: plain JavaScript against the public API, nothing else.
// Rules it keeps: the key lives in sessionStorage and travels only in the X-Api-Key header
// (never in a URL); whatever the API returns is rendered with textContent, never as markup.
'use strict';

(function () {
  const KEY_STORAGE = 'aurous.playground.apiKey';
  const ESTIMATE_DEBOUNCE_MS = 300;
  const GALLERY_PAGE = 8;
  const GALLERY_REFRESH_MS = 3000;
  // A preference, not a promise: the server clamps it to its own api.prefer_wait_max_s.
  const PREFER_WAIT_S = 60;
  const TERMINAL = ['succeeded', 'failed', 'cancelled'];

  const $ = (id) => document.getElementById(id);
  const el = {};
  ['api-key', 'save-key', 'forget-key', 'key-state', 'key-form', 'request-form', 'prompt', 'size', 'width', 'height',
    'count', 'seed', 'steps', 'guidance', 'lora', 'reference', 'reference-state', 'prefer-wait', 'estimate',
    'estimate-state', 'generate', 'curl', 'error', 'error-code', 'error-status', 'error-message', 'progress-bar',
    'progress-text', 'results', 'gallery', 'gallery-prev', 'gallery-next', 'gallery-refresh', 'gallery-state']
    .forEach((id) => { el[id] = $(id); });

  let apiKey = sessionStorage.getItem(KEY_STORAGE) || '';
  let referenceFileId = null;

  // ---- the API ---------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, code, message, param, requestId) {
      super(message);
      this.status = status;
      this.code = code;
      this.param = param;
      this.requestId = requestId;
    }
  }

  async function api(method, path, { body, headers, form } = {}) {
    const h = Object.assign({ 'Accept': 'application/json' }, headers || {});
    if (apiKey) {
      h['X-Api-Key'] = apiKey;
    }
    let payload;
    if (form) {
      payload = form; // the browser writes the multipart Content-Type with its boundary
    } else if (body !== undefined) {
      h['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, { method, headers: h, body: payload, credentials: 'omit', cache: 'no-store' });
    } catch (e) {
      throw new ApiError(0, 'network_error', 'The server could not be reached: ' + e.message, null, null);
    }
    const requestId = res.headers.get('Aurous-Request-Id');
    let json = null;
    const text = await res.text();
    if (text) {
      try { json = JSON.parse(text); } catch (e) { json = null; }
    }
    if (!res.ok) {
      const err = json && json.error ? json.error : {};
      throw new ApiError(res.status, err.code || 'http_' + res.status, err.message || text || res.statusText,
        err.param || null, requestId);
    }
    return { status: res.status, json, headers: res.headers };
  }

  function showError(e) {
    el['error-code'].textContent = e.code || 'error';
    const parts = [];
    if (e.status) parts.push('HTTP ' + e.status);
    if (e.param) parts.push('param ' + e.param);
    if (e.requestId) parts.push('request ' + e.requestId);
    el['error-status'].textContent = parts.join(' · ');
    el['error-message'].textContent = e.message || '';
    el.error.hidden = false;
  }

  function clearError() {
    el.error.hidden = true;
  }

  // ---- the key ---------------------------------------------------------------------------

  function keyChanged() {
    el['key-state'].textContent = apiKey ? 'key set for this tab' : 'no key';
    el['api-key'].value = apiKey ? apiKey : '';
    if (apiKey) {
      loadLoras();
      loadGallery(null);
      scheduleEstimate();
    }
  }

  el['key-form'].addEventListener('submit', (ev) => {
    ev.preventDefault();
    apiKey = el['api-key'].value.trim();
    if (apiKey) sessionStorage.setItem(KEY_STORAGE, apiKey); else sessionStorage.removeItem(KEY_STORAGE);
    keyChanged();
  });
  el['forget-key'].addEventListener('click', () => {
    apiKey = '';
    sessionStorage.removeItem(KEY_STORAGE);
    keyChanged();
  });

  // ---- the form --------------------------------------------------------------------------

  async function loadSizes() {
    // The presets and ranges the API documents, so the page never drifts from the server.
    let sizes = ['square'];
    try {
      const doc = (await api('GET', '/openapi.json')).json;
      const props = doc.components.schemas.ImageRequest.properties;
      sizes = props.size.enum;
      const range = (input, p) => {
        if (p && p.minimum !== undefined) input.placeholder = input.placeholder + ' (' + p.minimum + '-' + p.maximum + ')';
      };
      range(el.steps, props.steps);
      range(el.guidance, props.guidance_scale);
    } catch (e) {
      // keep the fallback: the server's own default preset
    }
    el.size.replaceChildren();
    sizes.forEach((s) => el.size.append(new Option(s, s, s === 'square', s === 'square')));
    el.size.append(new Option('custom width/height', 'custom'));
    formChanged();
  }

  async function loadLoras() {
    const keep = el.lora.value;
    el.lora.replaceChildren(new Option('none', ''));
    try {
      const r = await api('GET', '/v1/loras');
      const list = (r.json && Array.isArray(r.json.data)) ? r.json.data : [];
      list.forEach((l) => {
        const id = typeof l === 'string' ? l : l.id;
        if (!id) return;
        const label = (l.name && l.name !== id) ? l.name + ' (' + id + ')' : id;
        el.lora.append(new Option(label, id, false, id === keep));
      });
    } catch (e) {
      // 404 on a server without LoRAs (or any other failure): "none" is all there is.
    }
  }

  el.reference.addEventListener('change', async () => {
    referenceFileId = null;
    const file = el.reference.files[0];
    if (!file) {
      el['reference-state'].textContent = '';
      formChanged();
      return;
    }
    el['reference-state'].textContent = 'uploading…';
    const form = new FormData();
    form.append('file', file, file.name);
    try {
      const r = await api('POST', '/v1/files', { form });
      referenceFileId = r.json && r.json.id;
      el['reference-state'].textContent = referenceFileId ? 'uploaded as ' + referenceFileId : 'uploaded';
    } catch (e) {
      el['reference-state'].textContent = e.status === 404
        ? 'uploads are not available on this server'
        : 'upload refused: ' + e.code + ': ' + e.message;
    }
    formChanged();
  });

  function numberField(body, name, input) {
    const raw = input.value.trim();
    if (raw !== '') {
      const n = Number(raw);
      body[name] = Number.isFinite(n) ? n : raw; // a non-number goes as typed: the API names the error
    }
  }

  function requestBody() {
    const body = { prompt: el.prompt.value };
    if (el.size.value === 'custom') {
      numberField(body, 'width', el.width);
      numberField(body, 'height', el.height);
    } else if (el.size.value) {
      body.size = el.size.value;
    }
    numberField(body, 'count', el.count);
    numberField(body, 'seed', el.seed);
    numberField(body, 'steps', el.steps);
    numberField(body, 'guidance_scale', el.guidance);
    if (el.lora.value) body.lora_id = el.lora.value;
    if (referenceFileId) body.reference_image_urls = [referenceFileId];
    return body;
  }

  function shellQuote(s) {
    return "'" + s.replace(/'/g, "'\\''") + "'";
  }

  function renderCurl(body) {
    const lines = ['curl -s ' + shellQuote(location.origin + '/v1/images'),
      '  -H "X-Api-Key: $AUROUS_API_KEY"',
      "  -H 'Content-Type: application/json'"];
    if (el['prefer-wait'].checked) lines.push("  -H 'Prefer: wait=" + PREFER_WAIT_S + "'");
    lines.push('  -d ' + shellQuote(JSON.stringify(body)));
    el.curl.textContent = lines.join(' \\\n');
  }

  function formChanged() {
    document.querySelectorAll('.custom-size').forEach((d) => { d.hidden = el.size.value !== 'custom'; });
    renderCurl(requestBody());
    scheduleEstimate();
  }

  ['prompt', 'size', 'width', 'height', 'count', 'seed', 'steps', 'guidance', 'lora', 'prefer-wait'].forEach((id) => {
    el[id].addEventListener('input', formChanged);
    el[id].addEventListener('change', formChanged);
  });

  // ---- the estimate: debounced, one request in flight, the latest form wins ----------------

  let estimateTimer = null;
  let estimateInFlight = false;
  let estimateAgain = false;

  function scheduleEstimate() {
    clearTimeout(estimateTimer);
    estimateTimer = setTimeout(runEstimate, ESTIMATE_DEBOUNCE_MS);
  }

  async function runEstimate() {
    if (estimateInFlight) {
      estimateAgain = true; // sent when the current one answers, with the form as it is then
      return;
    }
    if (!apiKey) {
      el.estimate.textContent = '–';
      el['estimate-state'].textContent = 'paste an API key first';
      return;
    }
    estimateInFlight = true;
    el['estimate-state'].textContent = 'estimating…';
    let outcome;
    try {
      outcome = { ok: (await api('POST', '/v1/images/estimate', { body: requestBody() })).json };
    } catch (e) {
      outcome = { err: e };
    }
    estimateInFlight = false;
    if (estimateAgain) {
      estimateAgain = false; // this answer is for a form that has changed since: not shown
      runEstimate();
      return;
    }
    if (outcome.ok) {
      const cost = outcome.ok.estimated_cost;
      el.estimate.textContent = cost.amount + ' ' + (outcome.ok.currency || 'credit') + (cost.amount === 1 ? '' : 's');
      el.estimate.dataset.amount = String(cost.amount);
      el['estimate-state'].textContent = '';
    } else {
      el.estimate.textContent = '–';
      delete el.estimate.dataset.amount;
      el['estimate-state'].textContent = outcome.err.code + ': ' + outcome.err.message;
    }
  }

  // ---- generating ------------------------------------------------------------------------

  function setProgress(step, steps, note) {
    const pct = steps > 0 ? Math.round(100 * step / steps) : 0;
    el['progress-bar'].style.width = pct + '%';
    el['progress-bar'].dataset.percent = String(pct);
    el['progress-text'].textContent = note || ('step ' + step + ' / ' + steps + ' (' + pct + '%)');
  }

  // Output links are signed and carry no key; they are loaded from this origin (the node that
  // served the page serves them too), whatever origin http.public_base_url gives the link.
  function sameOrigin(url) {
    try {
      const u = new URL(url, location.href);
      return u.pathname + u.search;
    } catch (e) {
      return '';
    }
  }

  function showImages(gen) {
    el.results.replaceChildren();
    (gen.output_urls || []).forEach((url, i) => {
      const img = document.createElement('img');
      img.src = sameOrigin(url);
      img.alt = 'output ' + (i + 1) + ' of ' + gen.id;
      img.className = 'output';
      el.results.append(img);
    });
  }

  function finished(gen) {
    if (gen.status === 'succeeded') {
      setProgress(gen.steps || 1, gen.steps || 1, 'succeeded (100%), cost ' + costText(gen.cost));
      showImages(gen);
    } else {
      el['progress-text'].textContent = gen.status + (gen.error_message ? ': ' + gen.error_message : '');
    }
    loadGallery(galleryCursor);
  }

  // Server-sent events read through fetch, since EventSource cannot send the key as a header.
  async function followEvents(id) {
    let lastEventId = null;
    for (let attempt = 0; attempt < 20; attempt++) {
      const headers = { 'Accept': 'text/event-stream', 'X-Api-Key': apiKey };
      if (lastEventId !== null) headers['Last-Event-ID'] = lastEventId;
      let res;
      try {
        res = await fetch('/v1/images/' + encodeURIComponent(id) + '/events', { headers, credentials: 'omit', cache: 'no-store' });
      } catch (e) {
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (res.status === 204) break; // the stream has nothing more to say
      if (!res.ok || !res.body) {
        const err = await res.json().catch(() => ({}));
        const e = err.error || {};
        throw new ApiError(res.status, e.code || 'http_' + res.status, e.message || res.statusText, e.param, res.headers.get('Aurous-Request-Id'));
      }
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffered = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
        let cut;
        while ((cut = buffered.indexOf('\n\n')) >= 0) {
          const block = buffered.slice(0, cut);
          buffered = buffered.slice(cut + 2);
          const ev = { event: 'message', data: '' };
          block.split('\n').forEach((line) => {
            if (line.startsWith(':')) return; // a heartbeat
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') ev.id = val;
            else if (field === 'event') ev.event = val;
            else if (field === 'data') ev.data += (ev.data ? '\n' : '') + val;
          });
          if (ev.id !== undefined) lastEventId = ev.id;
          if (!ev.data) continue;
          const data = JSON.parse(ev.data);
          if (ev.event === 'progress') {
            setProgress(data.step, data.steps);
            el['progress-bar'].dataset.streamStep = data.step + '/' + data.steps; // what the stream itself said
          } else if (ev.event === 'status') {
            if (!TERMINAL.includes(data.status)) el['progress-text'].textContent = data.status + '…';
          } else if (ev.event === 'done') {
            return;
          }
        }
      }
      // The stream ended without "done" (its bounded life): resume from the last event seen.
    }
  }

  el['request-form'].addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearError();
    if (!apiKey) {
      showError(new ApiError(0, 'no_api_key', 'Paste an API key above first.', null, null));
      return;
    }
    el.generate.disabled = true;
    el.results.replaceChildren();
    delete el['progress-bar'].dataset.streamStep;
    setProgress(0, 1, 'sending…');
    try {
      const headers = el['prefer-wait'].checked ? { 'Prefer': 'wait=' + PREFER_WAIT_S } : {};
      if (el['prefer-wait'].checked) el['progress-text'].textContent = 'waiting for the result…';
      const created = (await api('POST', '/v1/images', { body: requestBody(), headers })).json;
      loadGallery(null);
      if (!TERMINAL.includes(created.status)) {
        el['progress-text'].textContent = created.status + '…';
        await followEvents(created.id);
      }
      finished((await api('GET', '/v1/images/' + encodeURIComponent(created.id))).json);
    } catch (e) {
      setProgress(0, 1, 'failed');
      showError(e);
    } finally {
      el.generate.disabled = false;
    }
  });

  // ---- the gallery -----------------------------------------------------------------------

  let galleryCursor = null;      // starting_after of the page shown (null: the newest)
  const newerCursors = [];       // the cursors of the pages before it, to page back
  let olderCursor = null;
  let galleryTimer = null;

  // cost is {amount, currency, breakdown} on this API; a bare number is shown as it is
  function costText(cost) {
    if (cost === null || cost === undefined) return '';
    if (typeof cost !== 'object') return String(cost);
    return cost.amount + ' ' + (cost.currency || 'credit') + (cost.amount === 1 ? '' : 's');
  }

  function cell(text, className) {
    const td = document.createElement('td');
    if (className) td.className = className;
    if (text !== undefined && text !== null) td.textContent = String(text);
    return td;
  }

  function galleryRow(gen) {
    const tr = document.createElement('tr');
    tr.dataset.id = gen.id;
    tr.dataset.status = gen.status;
    const thumb = cell();
    if (gen.status === 'succeeded' && gen.output_urls && gen.output_urls.length) {
      const img = document.createElement('img');
      img.src = sameOrigin(gen.output_urls[0]);
      img.alt = gen.id;
      thumb.append(img);
    }
    tr.append(thumb);
    const prompt = cell(gen.prompt, 'prompt');
    prompt.title = gen.prompt || '';
    tr.append(prompt);
    tr.append(cell(gen.status, 'status status-' + gen.status));
    const cost = cell(costText(gen.cost), 'cost');
    if (gen.cost && gen.cost.amount !== undefined) cost.dataset.amount = String(gen.cost.amount);
    tr.append(cost);
    tr.append(cell(gen.created_at ? new Date(gen.created_at).toLocaleString() : '', 'created'));
    const actions = cell();
    if (!TERMINAL.includes(gen.status)) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'cancel';
      b.textContent = 'Cancel';
      b.addEventListener('click', () => cancel(gen.id, b));
      actions.append(b);
    }
    tr.append(actions);
    return tr;
  }

  async function loadGallery(cursor) {
    if (!apiKey) return;
    clearTimeout(galleryTimer);
    let path = '/v1/images?limit=' + GALLERY_PAGE;
    if (cursor) path += '&starting_after=' + encodeURIComponent(cursor);
    try {
      const page = (await api('GET', path)).json;
      galleryCursor = cursor;
      const rows = page.data || [];
      el.gallery.replaceChildren(...rows.map(galleryRow));
      olderCursor = page.has_more && rows.length ? rows[rows.length - 1].id : null;
      el['gallery-next'].disabled = !olderCursor;
      el['gallery-prev'].disabled = newerCursors.length === 0;
      el['gallery-state'].textContent = rows.length ? '' : 'nothing yet';
      if (rows.some((g) => !TERMINAL.includes(g.status))) {
        galleryTimer = setTimeout(() => loadGallery(galleryCursor), GALLERY_REFRESH_MS);
      }
    } catch (e) {
      el['gallery-state'].textContent = e.code + ': ' + e.message;
    }
  }

  async function cancel(id, button) {
    button.disabled = true;
    clearError();
    try {
      await api('POST', '/v1/images/' + encodeURIComponent(id) + '/cancel');
    } catch (e) {
      showError(e);
    }
    loadGallery(galleryCursor);
  }

  el['gallery-refresh'].addEventListener('click', () => loadGallery(galleryCursor));
  el['gallery-next'].addEventListener('click', () => {
    if (!olderCursor) return;
    newerCursors.push(galleryCursor);
    loadGallery(olderCursor);
  });
  el['gallery-prev'].addEventListener('click', () => {
    if (!newerCursors.length) return;
    loadGallery(newerCursors.pop());
  });

  loadSizes();
  keyChanged();
})();
