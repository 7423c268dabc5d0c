/**
 * @file The /admin dashboard in headless Chromium against a real jim-server with an API key:
 * nothing shows without the key, and with it the page lists the online users and charts the
 * messages that SDK clients send.
 * Run: JIM_SERVER_BIN=build/bin/jim-server node --experimental-websocket --test admin.test.mjs
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { chromium } from 'playwright-core';

import { JimClient } from '../../web/sdk/jim.js';

import { startServer, waitFor } from './server.mjs';

const CHROMIUM = process.env.JIM_CHROMIUM ?? '/usr/bin/chromium';
const KEY = 'admin-test-key';

/** @type {import('./server.mjs').Server} */
let server;
/** @type {import('playwright-core').BrowserContext | undefined} */
let context;
let profile = '';
/** @type {JimClient[]} */
const clients = [];

before(async () => {
    server = await startServer(['--set', `api.key=${KEY}`]);
    profile = mkdtempSync(join(tmpdir(), 'jim-chromium-admin-'));
    context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    context.setDefaultTimeout(10000);
});

after(async () => {
    for (const c of clients) c.close();
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await server?.stop();
});

test('the dashboard needs the key, then shows users and msgs/s', { timeout: 60000 }, async () => {
    for (const name of ['alice', 'bob']) {
        const c = new JimClient({ url: server.ws, userId: name, password: 'pw' });
        clients.push(c);
        await c.connect();
    }
    const page = context?.pages()[0] ?? await /** @type {any} */ (context).newPage();
    /** @type {string[]} */
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${server.http}/admin`);

    // Without the key: the fetches are refused and nothing is shown.
    await waitFor(async () => (await page.textContent('#status'))?.includes('401'),
        'the page to report 401 without a key');
    assert.equal(await page.textContent('#online'), '-');

    await page.fill('#key', KEY);
    await page.click('button');
    await waitFor(async () => (await page.textContent('#online')) === '2', 'online users = 2');
    await waitFor(async () => (await page.textContent('#shown')) === '(2 of 2)', 'the user list');
    const users = await page.$$eval('#users li', (lis) => lis.map((li) => li.textContent).sort());
    assert.deepEqual(users, ['alice', 'bob']);

    // Messages per second appear while alice sends.
    const [alice] = clients;
    let sending = true;
    const sender = (async () => {
        while (sending) {
            await alice.sendPrivate('bob', 'tick');
            await new Promise((r) => setTimeout(r, 20));
        }
    })();
    try {
        await waitFor(async () => Number(await page.textContent('#rate')) > 0, 'chat msgs/s > 0',
            15000);
    } finally {
        sending = false;
        await sender;
    }
    assert.equal(await page.textContent('#status'), '');
    assert.deepEqual(problems, []);
});
