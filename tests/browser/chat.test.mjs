/**
 * @file The web chat page (web/index.html) in headless Chromium: two users, alice and bob, each
 * in their own browser with a fresh profile, chat through a real jim-server.
 * Run: JIM_SERVER_BIN=build/bin/jim-server node --experimental-websocket --test chat.test.mjs
 */

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';

import { chromium } from 'playwright-core';

import { JimClient } from '../../web/sdk/jim.js';

import { ARTIFACT_DIR, httpJson, startServer, waitFor } from './server.mjs';

const CHROMIUM = process.env.JIM_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const XSS = '<img src=x onerror=alert(1)>';

/** @type {import('./server.mjs').Server} */
let server;
/**
 * One browser per user: a persistent context is how Playwright runs Chromium on a profile
 * directory of our choosing (a fresh temporary one here).
 * @type {Record<string, {context: import('playwright-core').BrowserContext, page: import('playwright-core').Page, dir: string, problems: string[], dialogs: string[]}>}
 */
const users = {};

/** @param {string} name */
async function openBrowser(name) {
    const dir = mkdtempSync(join(tmpdir(), `jim-chromium-${name}-`));
    const context = await chromium.launchPersistentContext(dir, {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 1100, height: 680 },
        locale: 'en-GB',
        timezoneId: 'UTC',
    });
    context.setDefaultTimeout(10000);
    const page = context.pages()[0] ?? await context.newPage();
    /** @type {string[]} */
    const problems = [];
    /** @type {string[]} */
    const dialogs = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
    page.on('dialog', (d) => {
        dialogs.push(d.message());
        d.dismiss().catch(() => {});
    });
    users[name] = { context, page, dir, problems, dialogs };
    return page;
}

before(async () => {
    mkdirSync(ARTIFACT_DIR, { recursive: true });
    server = await startServer();
    await Promise.all([openBrowser('alice'), openBrowser('bob')]);
});

afterEach(async (t) => {
    // A failing test leaves a picture of both pages behind.
    if (/** @type {any} */ (t).passed !== false) return;
    const slug = t.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    for (const [name, u] of Object.entries(users)) {
        await u.page.screenshot({ path: join(ARTIFACT_DIR, `failed-${slug}-${name}.png`) }).catch(() => {});
    }
});

after(async () => {
    for (const u of Object.values(users)) {
        await u.context.close().catch(() => {});
        rmSync(u.dir, { recursive: true, force: true });
    }
    await server?.stop();
});

/** @param {string} name */
const page = (name) => users[name].page;

/**
 * The text of every message bubble in the open conversation.
 * @param {string} name
 */
const messageTexts = (name) => page(name).locator('#messages .msg .text').allTextContents();

/**
 * @param {string} name
 * @param {string} text
 */
async function waitForMessage(name, text) {
    await waitFor(async () => (await messageTexts(name)).includes(text), `${name} to see ${JSON.stringify(text)}`);
}

/**
 * Types a message into the composer and sends it with Enter; waits for the server's ack.
 * @param {string} name
 * @param {string} text
 */
async function send(name, text) {
    const p = page(name);
    await p.fill('#text', text);
    await p.press('#text', 'Enter');
    await waitFor(async () => (await p.locator('#messages .msg.mine .state').count()) === 0,
        `${name}'s message to be acknowledged`);
}

/**
 * @param {string} name
 * @param {string} key conversation key, "u:<userId>" or "g:<groupId>"
 */
async function openConversation(name, key) {
    await page(name).click(`.sidebar button[data-key="${key}"]`);
    await waitFor(async () => (await page(name).getAttribute(`.sidebar button[data-key="${key}"]`, 'class'))?.includes('active'),
        `${name} to open ${key}`);
}

test('alice and bob log in through the page URL', { timeout: 60000 }, async () => {
    for (const name of ['alice', 'bob']) {
        await page(name).goto(`${server.http}/?username=${name}&password=secret`);
        await waitFor(async () => (await page(name).textContent('#status')) === 'Online', `${name} online`);
        assert.ok(!page(name).url().includes('secret'), 'the password is taken out of the address bar');
        assert.equal(await page(name).isVisible('#chat-view'), true);
        assert.equal((await page(name).textContent('#me'))?.trim().endsWith(name), true);
    }
});

test('1:1 chat: each sees the other\'s message; HTML is shown as text', { timeout: 60000 }, async () => {
    // alice picks bob from the online list.
    await waitFor(() => page('alice').isVisible('#user-list button[data-key="u:bob"]'), 'bob in alice\'s list');
    await openConversation('alice', 'u:bob');
    assert.equal(await page('alice').textContent('#conv-title'), 'bob');
    await send('alice', 'Hello Bob, how are you?');

    // bob sees a badge on alice, opens the conversation, reads and answers.
    await waitFor(async () => (await page('bob').locator('#user-list button[data-key="u:alice"] .badge').textContent()) === '1',
        'an unread badge on alice in bob\'s list');
    await openConversation('bob', 'u:alice');
    await waitForMessage('bob', 'Hello Bob, how are you?');
    await send('bob', 'Fine, thanks Alice!');
    await waitForMessage('alice', 'Fine, thanks Alice!');

    // Stored XSS in J-IM's page: markup in a message must stay text on the receiving side.
    await send('bob', XSS);
    await waitForMessage('alice', XSS);
    for (const name of ['alice', 'bob']) {
        const p = page(name);
        assert.equal(await p.locator('img').count(), 0, `${name}: no element was created from the message`);
        assert.equal(await p.locator('#messages .text').last().textContent(), XSS);
        assert.equal(await p.locator('#messages .text').last().evaluate((e) => e.childElementCount), 0);
        assert.deepEqual(users[name].dialogs, [], `${name}: no script ran`);
    }
    // Quotes and backslashes survive the JSON both ways (J-IM's page built JSON by hand).
    await send('alice', 'a "quoted" \\ text');
    await waitForMessage('bob', 'a "quoted" \\ text');

    await page('alice').screenshot({ path: join(ARTIFACT_DIR, 'chat.png') });
});

test('a hostile user id and message from another client stay text', { timeout: 60000 }, async () => {
    const evilId = '<img src=y onerror=alert(2)>';
    const evil = new JimClient({ url: server.ws, userId: evilId, password: 'x' });
    try {
        await evil.connect();
        const ack = await evil.sendPrivate('alice', '<script>alert(3)</script>');
        assert.equal(ack.code, 10000);
        const alice = page('alice');
        const key = `u:${evilId}`;
        await waitFor(async () => (await alice.locator('#user-list button').filter({ hasText: evilId }).count()) === 1,
            'the hostile id in alice\'s list');
        const button = alice.locator('#user-list button').filter({ hasText: evilId });
        assert.equal(await button.getAttribute('data-key'), key);
        await button.click();
        await waitForMessage('alice', '<script>alert(3)</script>');
        assert.equal(await alice.textContent('#conv-title'), evilId);
        assert.equal(await alice.locator('img, script:not([src])').count(), 0, 'no element was created');
        assert.deepEqual(users.alice.dialogs, []);
    } finally {
        evil.close();
    }
});

test('reconnects with a visible status after the server drops the connection', { timeout: 60000 }, async () => {
    const alice = page('alice');
    await openConversation('alice', 'u:bob');
    const kicked = await httpJson('POST', `${server.http}/api/user/close?userid=alice`);
    assert.equal(kicked.body.data.closed, 1);
    await waitFor(async () => (await alice.textContent('#status'))?.startsWith('Reconnecting'), 'the reconnecting status');
    assert.equal(await alice.isVisible('#banner'), true);
    assert.equal(await alice.isDisabled('#send'), true);
    await waitFor(async () => (await alice.textContent('#status')) === 'Online', 'alice back online', 15000);
    assert.equal(await alice.isVisible('#banner'), false);

    // The new connection is logged in: messages flow both ways again.
    await send('bob', 'Are you back?');
    await waitForMessage('alice', 'Are you back?');
    await send('alice', 'Yes!');
    await waitForMessage('bob', 'Yes!');
});

test('without cmd 17 and cmd 19 the page lists users from the HTTP API and says history is missing', { timeout: 60000 }, async () => {
    // An older server: a second page answers cmd 17 and 19 with J-IM's "unknown command".
    const p = await users.alice.context.newPage();
    p.on('pageerror', (e) => users.alice.problems.push(`carol's page error: ${e.message}`));
    try {
        await p.routeWebSocket(/.*/, (ws) => {
            const upstream = ws.connectToServer();
            ws.onMessage((message) => {
                const cmd = JSON.parse(String(message)).cmd;
                if (cmd === 17 || cmd === 19) {
                    ws.send(JSON.stringify({ code: 10017, command: 0, msg: 'cmd failed! 未知的cmd命令!' }));
                } else {
                    upstream.send(message);
                }
            });
        });
        await p.goto(`${server.http}/?username=carol&password=secret`);
        await waitFor(async () => (await p.textContent('#status')) === 'Online', 'carol online');
        for (const other of ['alice', 'bob']) {
            await waitFor(() => p.isVisible(`#user-list button[data-key="u:${other}"]:not(.away)`), `${other} listed online from /api/users/online`);
        }
        await p.click('#user-list button[data-key="u:bob"]');
        await waitFor(async () => (await p.textContent('#conv-note'))?.includes('History is not available'), 'the no-history note');
        await p.fill('#text', 'hello from an old server');
        await p.press('#text', 'Enter');
        await openConversation('bob', 'u:carol');
        await waitForMessage('bob', 'hello from an old server');
    } finally {
        await p.close();
    }
});

// ---- GROUPS: needs the group work (P5): both pages join group "100" at login ----

test('GROUPS: a message in group 100 reaches the other member', { timeout: 60000 }, async () => {
    for (const name of ['alice', 'bob']) {
        await waitFor(() => page(name).isVisible('#group-list button[data-key="g:100"]'), `group 100 in ${name}'s list`);
        await openConversation(name, 'g:100');
    }
    await send('alice', 'Hello everyone in 100');
    await waitForMessage('bob', 'Hello everyone in 100');
    await send('bob', 'Hi alice, bob here');
    await waitForMessage('alice', 'Hi alice, bob here');
    // The sender sees its own message exactly once (no echo duplicate).
    const mine = (await messageTexts('alice')).filter((t) => t === 'Hello everyone in 100');
    assert.equal(mine.length, 1);
    await page('alice').screenshot({ path: join(ARTIFACT_DIR, 'chat-group.png') });
});

// ---- HISTORY: needs the message store (P4): cmd 19 type 1 ----

test('HISTORY: a new page reads the earlier 1:1 conversation back', { timeout: 60000 }, async () => {
    const alice = page('alice');
    await alice.goto(`${server.http}/?username=alice&password=secret`);
    await waitFor(async () => (await alice.textContent('#status')) === 'Online', 'alice online again');
    await waitFor(() => alice.isVisible('#user-list button[data-key="u:bob"]'), 'bob in alice\'s list');
    await openConversation('alice', 'u:bob');
    await waitFor(async () => (await messageTexts('alice')).includes('Hello Bob, how are you?') ||
        (await alice.textContent('#conv-note'))?.includes('History is not available'), 'history or its absence');
    assert.ok(!(await alice.textContent('#conv-note'))?.includes('History is not available'),
        'the server answers cmd 19 type 1 (history)');
    await waitForMessage('alice', 'Hello Bob, how are you?');
    const texts = await messageTexts('alice');
    const order = ['Hello Bob, how are you?', 'Fine, thanks Alice!', XSS, 'a "quoted" \\ text'].map((t) => texts.indexOf(t));
    assert.deepEqual(order, [...order].sort((a, b) => a - b), 'oldest first');
    assert.ok(!order.includes(-1), `every earlier message is there: ${JSON.stringify(texts)}`);
});

test('the pages logged no errors', () => {
    for (const [name, u] of Object.entries(users)) {
        assert.deepEqual(u.problems, [], `${name}'s page`);
    }
});
