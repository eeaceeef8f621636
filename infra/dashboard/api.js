// The results API, same origin (the token travels as an HttpOnly cookie).

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function call(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = data?.error ?? {};
    throw new ApiError(res.status, err.code ?? 'HTTP', err.message ?? `${res.status} ${res.statusText}`);
  }
  return data;
}

const query = (params) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : '';
};

export const api = {
  plan: () => call('GET', '/api/plan'),
  tasks: (params) => call('GET', `/api/tasks${query(params)}`),
  task: (id) => call('GET', `/api/tasks/${encodeURIComponent(id)}`),
  enqueue: (body) => call('POST', '/api/tasks', body),
  revoke: (id, body = {}) => call('POST', `/api/tasks/${encodeURIComponent(id)}/revoke`, body),
  workflow: (id) => call('GET', `/api/workflows/${encodeURIComponent(id)}`),
  queues: () => call('GET', '/api/queues'),
  redrive: (name) => call('POST', `/api/queues/${encodeURIComponent(name)}/redrive`, {}),
  purge: (name, target) => call('POST', `/api/queues/${encodeURIComponent(name)}/purge`, { target }),
  stats: (params) => call('GET', `/api/stats${query(params)}`),
};
