/**
 * @file The JavaScript SDK (web/sdk/jim.js) against a real jim-server.
 * Run: JIM_SERVER_BIN=build/bin/jim-server node --experimental-websocket --test sdk.test.mjs
 */

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Code, JimClient, JimError } from '../../web/sdk/jim.js';
import { httpJson, nextEvent, startServer, waitFor } from './server.mjs';

/** @type {import('./server.mjs').Server} */
let server;
/** Clients to close after each file, whatever happened. @type {JimClient[]} */
const clients = [];

before(async () => {
    server = await startServer();
});

after(async () => {
    for (const c of clients) c.close();
    await server?.stop();
});

/**
 * @param {string} userId
 * @param {Partial<import('../../web/sdk/jim.js').ClientOptions>} [options]
 */
function client(userId, options = {}) {
    const c = new JimClient({ url: server.ws, userId, password: 'pw', ...options });
    clients.push(c);
    return c;
}

/**
 * Collects every chat push of a client.
 * @param {JimClient} c
 */
function inbox(c) {
    /** @type {import('../../web/sdk/jim.js').ChatBody[]} */
    const got = [];
    c.on('chat', (m) => got.push(m));
    return got;
}

test('two clients chat 1:1 both ways, with acks', { timeout: 60000 }, async () => {
    const alice = client('alice');
    const bob = client('bob');
    const aliceUser = await alice.connect();
    await bob.connect();
    assert.equal(aliceUser.userId, 'alice');
    assert.equal(alice.status, 'online');
    const aliceGot = inbox(alice);
    const bobGot = inbox(bob);

    const ack = await alice.sendPrivate('bob', 'hello bob');
    assert.equal(ack.code, Code.sendOk);
    assert.equal(ack.delivered, true);
    assert.match(ack.id ?? '', /^[0-9a-f]{32}$/);
    assert.equal(typeof ack.createTime, 'number');
    const atBob = await waitFor(() => bobGot.find((m) => m.content === 'hello bob'), 'bob to receive');
    assert.equal(atBob.from, 'alice');
    assert.equal(atBob.to, 'bob');
    assert.equal(atBob.chatType, 2);
    assert.equal(atBob.id, ack.id);
    assert.equal(atBob.createTime, ack.createTime);

    // Quotes, backslashes, markup and non-ASCII travel untouched (J-IM's page spliced them into
    // JSON by hand and broke).
    const tricky = 'hi "alice" \\ <b>&amp;</b> 你好 👋\nline 2';
    const back = await bob.sendPrivate('alice', tricky);
    assert.equal(back.code, Code.sendOk);
    const atAlice = await waitFor(() => aliceGot.find((m) => m.id === back.id), 'alice to receive');
    assert.equal(atAlice.content, tricky);
    assert.equal(atAlice.from, 'bob');
});

test('acks are matched to sends in order', { timeout: 60000 }, async () => {
    const carol = client('carol');
    const dave = client('dave');
    await Promise.all([carol.connect(), dave.connect()]);
    const daveGot = inbox(dave);
    const acks = await Promise.all(
        Array.from({ length: 30 }, (_, i) => carol.sendPrivate('dave', `message ${i}`)));
    await waitFor(() => daveGot.length === 30, 'dave to receive 30 messages');
    for (let i = 0; i < 30; i += 1) {
        assert.equal(acks[i].request.content, `message ${i}`);
        const pushed = daveGot.find((m) => m.content === `message ${i}`);
        assert.equal(acks[i].id, pushed?.id, `ack ${i} carries the id of message ${i}`);
    }
});

test('an offline receiver gives ack 10001', { timeout: 60000 }, async () => {
    const erin = client('erin');
    await erin.connect();
    const ack = await erin.sendPrivate('nobody-here', 'are you there?');
    assert.equal(ack.code, Code.offline);
    assert.equal(ack.delivered, false);
});

test("the sender's other devices get a copy", { timeout: 60000 }, async () => {
    const phone = client('frank');
    const laptop = client('frank');
    const grace = client('grace');
    await Promise.all([phone.connect(), laptop.connect(), grace.connect()]);
    const phoneGot = inbox(phone);
    const laptopGot = inbox(laptop);
    const ack = await phone.sendPrivate('grace', 'from my phone');
    const copy = await waitFor(() => laptopGot.find((m) => m.id === ack.id), 'the laptop copy');
    assert.equal(copy.from, 'frank');
    assert.equal(copy.to, 'grace');
    // Round trip on the phone so that a wrong echo would have arrived by now.
    await phone.ping();
    assert.equal(phoneGot.length, 0, 'the sending connection gets no echo');
});

test('a refused login rejects connect() and does not retry', { timeout: 60000 }, async () => {
    const bad = client('bad:id');  // ':' is not allowed in a user id
    /** @type {string[]} */
    const statuses = [];
    bad.on('status', (s) => statuses.push(s.status));
    await assert.rejects(bad.connect(), (e) => e instanceof JimError && e.code === Code.loginFailed);
    await waitFor(() => bad.status === 'closed', 'status closed');
    assert.deepEqual(statuses, ['connecting', 'closed']);
});

test('connect() to a closed port fails fast', { timeout: 60000 }, async () => {
    const nowhere = new JimClient({ url: 'ws://127.0.0.1:1/', userId: 'x', password: 'y' });
    clients.push(nowhere);
    await assert.rejects(nowhere.connect(), JimError);
    assert.equal(nowhere.status, 'closed');
});

test('requests before login reject instead of hanging', async () => {
    const idle = client('idle');
    await assert.rejects(idle.sendPrivate('bob', 'x'), (e) => e instanceof JimError && e.code === 'not_connected');
});

test('reconnects and logs in again after the server kicks the connection', { timeout: 60000 }, async () => {
    const henry = client('henry');
    const ivy = client('ivy');
    await Promise.all([henry.connect(), ivy.connect()]);
    const henryGot = inbox(henry);
    /** @type {import('../../web/sdk/jim.js').StatusEvent[]} */
    const statuses = [];
    henry.on('status', (s) => statuses.push(s));
    const closed = nextEvent(henry, 'close');

    const res = await httpJson('POST', `${server.http}/api/user/close?userid=henry`);
    assert.equal(res.status, 200);
    assert.equal(res.body.data.closed, 1);

    const close = await closed;
    assert.equal(close.wasOnline, true);
    assert.equal(close.willReconnect, true);
    assert.equal(close.reason, 'kicked');
    await waitFor(() => henry.status === 'online', 'henry to be back online', 15000);
    assert.deepEqual(statuses.map((s) => s.status), ['reconnecting', 'online']);
    assert.equal(statuses[0].attempt, 1);
    const delay = statuses[0].delayMs ?? 0;
    assert.ok(delay >= 1000 && delay <= 1200, `first delay ${delay}`);

    // The new connection is logged in as henry: messages reach it again.
    const ack = await ivy.sendPrivate('henry', 'welcome back');
    assert.equal(ack.code, Code.sendOk);
    await waitFor(() => henryGot.find((m) => m.id === ack.id), 'henry to receive after the reconnect');
    const reply = await henry.sendPrivate('ivy', 'thanks');
    assert.equal(reply.code, Code.sendOk);
});

test('backoff doubles up to the cap while the server is away', { timeout: 60000 }, async () => {
    const other = await startServer();
    try {
        const c = new JimClient({ url: other.ws, userId: 'jack', password: 'pw', minBackoffMs: 50, maxBackoffMs: 400 });
        clients.push(c);
        await c.connect();
        /** @type {number[]} */
        const delays = [];
        c.on('status', (s) => { if (s.status === 'reconnecting') delays.push(s.delayMs ?? -1); });
        await other.stop();
        await waitFor(() => delays.length >= 6, 'six reconnect attempts', 20000);
        c.close();
        assert.equal(c.status, 'closed');
        // Base delays 50, 100, 200, 400, 400, 400 with ±20 % jitter, never below min or above max.
        const bases = [50, 100, 200, 400, 400, 400];
        delays.slice(0, 6).forEach((d, i) => {
            assert.ok(d >= Math.max(50, bases[i] * 0.8) && d <= Math.min(400, bases[i] * 1.2), `delay ${i}: ${d}`);
        });
    } finally {
        await other.stop();
    }
});

test('heartbeats are answered', async () => {
    const kate = client('kate', { heartbeatMs: 100 });
    await kate.connect();
    let frames = 0;
    kate.on('message', (m) => { if (m.command === 13) frames += 1; });
    await waitFor(() => frames >= 2, 'two heartbeat replies');
    await kate.ping();
    assert.equal(kate.status, 'online');
});

test("login: 'message' sends cmd 5 instead of putting the password in the URL", { timeout: 60000 }, async () => {
    const rose = client('rose', { login: 'message' });
    const user = await rose.connect();
    assert.equal(user.userId, 'rose');
    const sam = client('sam');
    await sam.connect();
    const ack = await sam.sendPrivate('rose', 'logged in by frame');
    assert.equal(ack.code, Code.sendOk);
});

// ---- Reply matching and liveness, against a scripted socket (no server) ----

/** A WebSocket stand-in that records what the client sends and lets a test answer. */
class ScriptedSocket {
    /** @type {ScriptedSocket|null} */
    static last = null;

    /** @param {string} url */
    constructor(url) {
        this.url = url;
        /** @type {any[]} */
        this.sent = [];
        this.readyState = 0;
        /** @type {any} */ this.onopen = null;
        /** @type {any} */ this.onmessage = null;
        /** @type {any} */ this.onclose = null;
        /** @type {any} */ this.onerror = null;
        ScriptedSocket.last = this;
        queueMicrotask(() => {
            this.readyState = 1;
            this.onopen?.({});
        });
    }

    /** @param {string} data */
    send(data) {
        this.sent.push(JSON.parse(data));
    }

    close() {
        this.readyState = 3;
    }

    /** @param {object} message */
    reply(message) {
        this.onmessage?.({ data: JSON.stringify(message) });
    }
}

/** @param {Partial<import('../../web/sdk/jim.js').ClientOptions>} [options] */
async function scriptedClient(options = {}) {
    const c = new JimClient({ url: 'ws://scripted.invalid/', userId: 'u1', password: 'p w&', WebSocket: /** @type {any} */ (ScriptedSocket), ...options });
    clients.push(c);
    const connected = c.connect();
    const ws = /** @type {ScriptedSocket} */ (ScriptedSocket.last);
    await waitFor(() => ws.readyState === 1, 'the scripted socket to open');
    ws.reply({ code: Code.loginOk, command: 6, msg: 'ok' });
    await connected;
    return { c, ws };
}

test('credentials are URL-encoded into the upgrade URL', async () => {
    const { ws } = await scriptedClient();
    const url = new URL(ws.url);
    assert.equal(url.searchParams.get('username'), 'u1');
    assert.equal(url.searchParams.get('password'), 'p w&');
});

test('an "unknown command" reply fails the request a server may lack, not a chat', async () => {
    const { c, ws } = await scriptedClient();
    const chat = c.sendPrivate('u2', 'x');
    const users = c.getUsers();
    const history = c.history({ groupId: '100' });
    assert.deepEqual(ws.sent.map((m) => m.cmd), [11, 17, 19]);
    assert.deepEqual(ws.sent[2], { cmd: 19, type: 1, userId: 'u1', groupId: '100' });
    ws.reply({ code: Code.unknownCmd, command: 0, msg: 'cmd failed!' });
    await assert.rejects(users, (e) => e instanceof JimError && e.code === Code.unknownCmd);
    ws.reply({ code: Code.historyOk, command: 20, data: { groups: { 100: [{ id: 'm1', content: 'old' }] } } });
    assert.deepEqual((await history).map((m) => m.id), ['m1']);
    ws.reply({ code: Code.sendOk, command: 12, data: { id: 'a'.repeat(32), createTime: 5 } });
    const ack = await chat;
    assert.equal(ack.id, 'a'.repeat(32));
    assert.equal(ack.request.content, 'x');
});

test('a join resolves on cmd 8, or on the own cmd 9 from a J-IM server', async () => {
    const { c, ws } = await scriptedClient();
    const a = c.joinGroup('a');
    const b = c.joinGroup('b');
    const refused = c.joinGroup('c');
    ws.reply({ code: Code.joinOk, command: 9, group: 'b', user: { userId: 'u1' } });
    await b;
    ws.reply({ code: Code.joinOk, command: 8, group: 'a', result: 1 });
    await a;
    ws.reply({ code: Code.joinFailed, command: 8, group: 'c', result: 0 });
    await assert.rejects(refused, (e) => e instanceof JimError && e.code === Code.joinFailed);
});

test('connect() gives up when the login is never answered', async () => {
    const c = new JimClient({ url: 'ws://scripted.invalid/', userId: 'u1', WebSocket: /** @type {any} */ (ScriptedSocket), requestTimeoutMs: 100 });
    clients.push(c);
    await assert.rejects(c.connect(), (e) => e instanceof JimError && /no login reply/.test(e.message));
    assert.equal(c.status, 'closed');
});

test('a silent connection is dropped after a heartbeat interval without any reply', { timeout: 60000 }, async () => {
    const { c, ws } = await scriptedClient({ heartbeatMs: 40 });
    const lost = nextEvent(c, 'status', (s) => s.status === 'reconnecting');
    const status = await lost;
    assert.equal(status.reason, 'heartbeat timeout');
    assert.ok(ws.sent.some((m) => m.cmd === 13), 'a heartbeat was sent first');
    assert.equal(ws.readyState, 3, 'the dead socket was closed');
    c.close();
});

test('a listener that throws does not break the others', async () => {
    const { c, ws } = await scriptedClient();
    /** @type {string[]} */
    const seen = [];
    /** @type {string[]} */
    const uncaught = [];
    // Browsers have reportError(); the SDK uses it when present, as here.
    const g = /** @type {any} */ (globalThis);
    const saved = g.reportError;
    g.reportError = (/** @type {Error} */ e) => uncaught.push(e.message);
    try {
        c.on('chat', () => { throw new Error('listener bug'); });
        c.on('chat', (m) => seen.push(m.id));
        ws.reply({ command: 11, data: { id: 'x1', from: 'u2', to: 'u1', chatType: 2, content: 'hi' } });
        assert.deepEqual(seen, ['x1']);
        await waitFor(() => uncaught.length === 1, 'the listener error to be reported');
        assert.deepEqual(uncaught, ['listener bug']);
    } finally {
        g.reportError = saved;
    }
});

// ---- Needs the group work (P5): cmd 7 join, chatType 1, cmd 9/10, cmd 17 groups ----

test('GROUPS: join, group message to every member, join and leave notifications', { timeout: 60000 }, async () => {
    const liam = client('liam');
    const mia = client('mia');
    await Promise.all([liam.connect(), mia.connect()]);
    await liam.joinGroup('100');
    const joined = nextEvent(liam, 'join', (e) => e.group === '100' && e.user.userId === 'mia');
    await mia.joinGroup('100');
    await joined;

    const miaGot = inbox(mia);
    const ack = await liam.sendGroup('100', 'hello group');
    assert.equal(ack.code, Code.sendOk);
    const atMia = await waitFor(() => miaGot.find((m) => m.id === ack.id), 'mia to receive the group message');
    assert.equal(atMia.chatType, 1);
    assert.equal(atMia.groupId, '100');
    assert.equal(atMia.from, 'liam');

    const me = await liam.getUsers();
    const group = me.groups?.find((g) => g.groupId === '100');
    assert.ok(group, 'cmd 18 lists group 100');
    assert.ok(group.users?.some((u) => u.userId === 'mia'), 'cmd 18 lists mia online in group 100');

    const left = nextEvent(liam, 'leave', (e) => e.group === '100' && e.user.userId === 'mia');
    mia.close();
    await left;
});

test('PRESENCE: a contact coming and going arrives as a presence event (cmd 29)', { timeout: 60000 }, async () => {
    const tom = client('tom');
    await tom.connect();
    const added = await httpJson('POST', `${server.http}/api/user/friends?userid=tom`, { friendId: 'uma' });
    assert.equal(added.status, 200);
    const came = nextEvent(tom, 'presence', (e) => e.user?.userId === 'uma' && e.user.status === 'online');
    const uma = client('uma');
    await uma.connect();
    await came;
    const went = nextEvent(tom, 'presence', (e) => e.user?.userId === 'uma' && e.user.status === 'offline');
    uma.close();
    const ev = await went;
    assert.equal(ev.group, undefined);
    tom.close();
});

test('GROUPS: joined groups are joined again after a reconnect', { timeout: 60000 }, async () => {
    const noah = client('noah');
    const olivia = client('olivia');
    await Promise.all([noah.connect(), olivia.connect()]);
    await noah.joinGroup('reconnect-room');
    await olivia.joinGroup('reconnect-room');
    const noahGot = inbox(noah);
    await httpJson('POST', `${server.http}/api/user/close?userid=noah`);
    await waitFor(() => noah.status === 'reconnecting', 'noah to notice the kick');
    const rejoined = nextEvent(olivia, 'join', (e) => e.group === 'reconnect-room' && e.user.userId === 'noah', 15000);
    await waitFor(() => noah.status === 'online', 'noah back online', 15000);
    await rejoined;
    const ack = await olivia.sendGroup('reconnect-room', 'still here?');
    await waitFor(() => noahGot.find((m) => m.id === ack.id), 'noah to receive after re-joining');
});

// ---- Needs the message store (P4): cmd 19 type 1 history ----

test('HISTORY: a conversation reads back oldest first', { timeout: 60000 }, async () => {
    const paul = client('paul');
    const quinn = client('quinn');
    await Promise.all([paul.connect(), quinn.connect()]);
    const first = await paul.sendPrivate('quinn', 'first');
    const second = await quinn.sendPrivate('paul', 'second');
    const history = await waitFor(async () => {
        const h = await paul.history({ peer: 'quinn' });
        return h.length >= 2 ? h : null;
    }, 'two stored messages');
    assert.deepEqual(history.map((m) => m.id), [first.id, second.id]);
    assert.deepEqual(history.map((m) => m.content), ['first', 'second']);
});
