// The MCP server at /mcp, driven by the official TypeScript SDK's client
// as another agent would: the tools and resources over one client's data,
// nothing of another client's, refusals at the door, strategic changes
// only as arlo's instructions, and the call log on the Arlo page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { BASE_URL, launch, openPage, signIn, waitForHydration } from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = process.env.REDKEY_BIN ?? path.join(here, '..', '..', 'target', 'debug', 'redkey');
const env = { ...process.env, DATABASE_URL: process.env.E2E_URL };

function sql(text) {
  return execFileSync('psql', ['-qtA', process.env.E2E_URL, '-c', text]).toString().trim();
}

// A new token for `agent` on `client`: the secret and its id.
function newToken(client, agent) {
  const r = spawnSync(BIN, ['token', 'create', '--client', client, '--agent', agent], { env });
  assert.equal(r.status, 0, r.stderr.toString());
  return { token: r.stdout.toString().trim(), id: /token ([0-9a-f-]{36})/.exec(r.stderr.toString())[1] };
}

async function connect(token) {
  const client = new Client({ name: 'e2e-agent', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${BASE_URL}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

async function call(client, name, args) {
  return client.callTool({ name, arguments: args });
}

const errorText = (r) => (r.isError ? r.content.map((c) => c.text).join(' ') : '');

const bezeliq = newToken('bezeliq', 'atlas-e2e');
const harbor = newToken('harbor', 'harbor-e2e');

test('an agent lists the tools and calls each over its client', async () => {
  const mcp = await connect(bezeliq.token);
  const { tools } = await mcp.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), [
    'ask_arlo', 'get_contact', 'get_deal', 'list_pipeline', 'log_activity', 'recent_activity',
    'search_contacts', 'task_status', 'tell_arlo',
  ]);
  for (const t of tools) {
    assert.ok(t.description.length > 60, `${t.name} is described`);
    assert.equal(t.inputSchema.type, 'object');
  }

  const found = await call(mcp, 'search_contacts', { query: 'Grace Haddad' });
  const [grace] = found.structuredContent.contacts;
  assert.equal(grace.name, 'Grace Haddad');
  assert.equal(grace.company_name, 'Northwind Foods');
  const contact = (await call(mcp, 'get_contact', { id: grace.id })).structuredContent;
  assert.equal(contact.contact.email, grace.email);
  assert.equal(contact.contact.priority, null);

  const board = (await call(mcp, 'list_pipeline', { deals_per_stage: 2 })).structuredContent;
  assert.ok(board.stages.length >= 5);
  const first = board.stages.find((s) => s.deals.length > 0);
  assert.ok(first.deals.length <= 2 && first.deal_count >= first.deals.length);
  const deal = (await call(mcp, 'get_deal', { id: first.deals[0].id })).structuredContent.deal;
  assert.equal(deal.name, first.deals[0].name);
  assert.equal(deal.stage_id, first.stage_id);

  const recent = (await call(mcp, 'recent_activity', { limit: 3 })).structuredContent.activities;
  assert.ok(recent.length > 0 && recent.length <= 3);
  assert.ok(recent.every((a, i) => i === 0 || a.happens_at <= recent[i - 1].happens_at));

  // Reading is no contact with anyone: no activity, no last activity moved.
  const quiet = () => sql(`SELECT coalesce(last_activity_at::text, '-') FROM people WHERE id = '${grace.id}'`);
  const before = quiet();
  await call(mcp, 'get_contact', { id: grace.id });
  assert.equal(quiet(), before);

  // An operational activity, logged once per key.
  const call1 = { kind: 'call', subject: 'Intro call via MCP', contact_id: grace.id, external_key: 'call-1' };
  const logged = (await call(mcp, 'log_activity', call1)).structuredContent;
  assert.ok(logged.activity_id);
  assert.equal((await call(mcp, 'log_activity', call1)).structuredContent.already_logged, true);
  const hers = (await call(mcp, 'recent_activity', { contact_id: grace.id, kind: 'call' })).structuredContent;
  assert.deepEqual(hers.activities.map((a) => a.subject), ['Intro call via MCP']);

  // Bad arguments are tool errors that say what is wrong, and change nothing.
  assert.match(errorText(await call(mcp, 'get_contact', { id: 'nope' })), /invalid argument id/);
  assert.match(errorText(await call(mcp, 'log_activity', { kind: 'email_sent', contact_id: grace.id })),
    /not an activity an agent logs/);
  assert.match(errorText(await call(mcp, 'search_contacts', { query: 'a', limit: 500 })), /limit/);
  assert.match(errorText(await call(mcp, 'no_such_tool', {})), /there is no tool/);

  // A question for arlo: a crm.query task, answered, changing nothing.
  const asked = (await call(mcp, 'ask_arlo', { question: 'Summarise the pipeline', wait_seconds: 20 }))
    .structuredContent.task;
  assert.equal(asked.kind, 'crm.query');
  assert.equal(asked.status, 'succeeded', JSON.stringify(asked));
  const status = (await call(mcp, 'task_status', { id: asked.id })).structuredContent.task;
  assert.equal(status.id, asked.id);

  // Resources: the pipeline, and Grace's timeline with the logged call.
  const { resources } = await mcp.listResources();
  assert.deepEqual(resources.map((r) => r.uri), ['redkey://pipeline']);
  const { resourceTemplates } = await mcp.listResourceTemplates();
  assert.deepEqual(resourceTemplates.map((r) => r.uriTemplate), ['redkey://contacts/{id}/timeline']);
  const pipe = JSON.parse((await mcp.readResource({ uri: 'redkey://pipeline' })).contents[0].text);
  assert.deepEqual(pipe.stages.map((s) => s.stage), board.stages.map((s) => s.stage));
  const timeline = JSON.parse(
    (await mcp.readResource({ uri: `redkey://contacts/${grace.id}/timeline` })).contents[0].text);
  assert.ok(timeline.activities.some((a) => a.subject === 'Intro call via MCP'));
  await assert.rejects(mcp.readResource({ uri: 'redkey://contacts/nope/timeline' }), /no resource/);
  await mcp.close();
});

test('a strategic change from an agent is only ever an instruction for arlo', async () => {
  const mcp = await connect(bezeliq.token);
  const [grace] = (await call(mcp, 'search_contacts', { query: 'Grace Haddad' })).structuredContent.contacts;
  // No tool takes a strategic field: an attempt to pass one is refused.
  assert.match(errorText(await call(mcp, 'log_activity',
    { kind: 'note', contact_id: grace.id, priority: 'high' })), /priority/);
  assert.equal(sql(`SELECT coalesce(priority::text, '-') FROM people WHERE id = '${grace.id}'`), '-');

  const told = (await call(mcp, 'tell_arlo', {
    sentence: 'Mark Grace at Northwind as a priority — met at the MCP summit', wait_seconds: 20,
  })).structuredContent.task;
  assert.equal(told.kind, 'strategic.instruct');
  assert.ok(told.instruction_id, 'the instruction is stored');
  assert.equal(told.status, 'succeeded', JSON.stringify(told));
  assert.equal(sql(`SELECT given_by || ' ' || instruction FROM human_instructions WHERE id = '${told.instruction_id}'`),
    'agent:atlas-e2e Mark Grace at Northwind as a priority — met at the MCP summit');
  // Written by arlo on behalf of that stored instruction, and no other way.
  assert.equal((await call(mcp, 'get_contact', { id: grace.id })).structuredContent.contact.priority, 'high');
  assert.equal(sql(`SELECT count(*) FROM field_changes WHERE row_id = '${grace.id}' AND column_name = 'priority'
                    AND on_behalf_of = '${told.instruction_id}'`), '1');
  await mcp.close();
});

test("another client's token sees nothing; revoked, missing and foreign callers are refused", async () => {
  const own = await connect(bezeliq.token);
  const [grace] = (await call(own, 'search_contacts', { query: 'Grace Haddad' })).structuredContent.contacts;
  const deal = (await call(own, 'list_pipeline', {})).structuredContent.stages.flatMap((s) => s.deals)[0];
  const task = (await call(own, 'ask_arlo', { question: 'Who should I recontact?', wait_seconds: 0 }))
    .structuredContent.task;
  await own.close();

  const other = await connect(harbor.token);
  assert.deepEqual((await call(other, 'search_contacts', { query: 'Grace Haddad' })).structuredContent.contacts, []);
  for (const [tool, args] of [
    ['get_contact', { id: grace.id }],
    ['get_deal', { id: deal.id }],
    ['task_status', { id: task.id }],
    ['recent_activity', { contact_id: grace.id }],
    ['log_activity', { kind: 'note', subject: 'Sneaky', contact_id: grace.id }],
    ['tell_arlo', { sentence: 'Mark her as a priority', about: { kind: 'contact', id: grace.id } }],
  ]) {
    assert.match(errorText(await call(other, tool, args)), /no such record|names no/, tool);
  }
  await assert.rejects(other.readResource({ uri: `redkey://contacts/${grace.id}/timeline` }), /no such record/);
  assert.equal(sql("SELECT count(*) FROM activities WHERE subject = 'Sneaky'"), '0');
  await other.close();

  // A revoked token, no token, another origin, an oversized or broken body.
  const gone = newToken('bezeliq', 'gone-e2e');
  execFileSync(BIN, ['token', 'revoke', gone.id], { env, stdio: 'ignore' });
  await assert.rejects(connect(gone.token), /401|unknown or revoked/);
  const post = (headers, body) => fetch(`${BASE_URL}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body,
  });
  const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
  assert.equal((await post({}, ping)).status, 401);
  const auth = { Authorization: `Bearer ${bezeliq.token}` };
  assert.equal((await post({ ...auth, Origin: 'https://evil.test' }, ping)).status, 403);
  assert.equal((await post({ ...auth, Origin: BASE_URL }, ping)).status, 200);
  assert.equal((await post(auth, 'x'.repeat(100 * 1024))).status, 413);
  const broken = await post(auth, '{"jsonrpc": "2.0", ');
  assert.equal(broken.status, 400);
  assert.equal((await broken.json()).error.code, -32700);
});

test("the Arlo page lists other agents' calls, apart from the CRM's activity", async () => {
  const browser = await launch();
  try {
    const { page, problems } = await openPage(browser);
    await signIn(page);
    await page.goto(`${BASE_URL}/arlo`);
    await waitForHydration(page);
    const calls = page.locator('table.agent-calls tbody tr');
    assert.ok(await calls.count() > 5);
    const told = page.locator('table.agent-calls tr[data-tool="tell_arlo"]').first();
    assert.match(await told.textContent(), /atlas-e2e.*task succeeded/s);
    assert.ok(await page.locator('table.agent-calls tr[data-tool="get_contact"]').count() > 0);
    // Harbor's agent called too, but on another client.
    assert.equal(await page.locator('table.agent-calls', { hasText: 'harbor-e2e' }).count(), 0);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
