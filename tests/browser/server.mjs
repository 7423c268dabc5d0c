/**
 * @file Test helpers: boot a real jim-server on a loopback port 0, wait for conditions with a
 * deadline (never a fixed sleep), and stop the server by its PID, also when a test fails.
 */

import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root: JIM_SOURCE_DIR (set by ctest) or two levels above this file. */
export const SOURCE_DIR = process.env.JIM_SOURCE_DIR
    ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where screenshots go. */
export const ARTIFACT_DIR = process.env.JIM_ARTIFACT_DIR ?? join(SOURCE_DIR, 'build', 'test-artifacts');

/** Every server started by this process, so that an exit on failure still stops them. */
const running = new Set();
process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
});

/**
 * @typedef {object} Server
 * @property {number} port
 * @property {string} http base URL, "http://127.0.0.1:<port>"
 * @property {string} ws WebSocket URL, "ws://127.0.0.1:<port>/"
 * @property {number} pid
 * @property {() => string} log what the server wrote to stderr so far
 * @property {() => Promise<void>} stop
 */

/**
 * Starts jim-server (JIM_SERVER_BIN) on 127.0.0.1 port 0 with a fresh data directory, serving
 * the repository's web/ folder, and resolves once it prints its port.
 * @param {string[]} [extraArgs] more command-line arguments, e.g. ["--set", "k=v"]
 * @returns {Promise<Server>}
 */
export async function startServer(extraArgs = []) {
    const bin = process.env.JIM_SERVER_BIN ?? join(SOURCE_DIR, 'build', 'bin', 'jim-server');
    const dataDir = mkdtempSync(join(tmpdir(), 'jim-browser-'));
    const args = ['--port', '0', '--data-dir', dataDir, '--set', 'server.host=127.0.0.1',
        '--set', `http.root=${join(SOURCE_DIR, 'web')}`, ...extraArgs];
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });

    const port = await new Promise((resolvePort, reject) => {
        const timer = setTimeout(() => fail(new Error('jim-server did not report its port in 10 s')), 10000);
        /** @param {Error} err */
        function fail(err) {
            clearTimeout(timer);
            child.kill('SIGKILL');
            rmSync(dataDir, { recursive: true, force: true });
            reject(new Error(`${err.message}\n${bin} ${args.join(' ')}\nstderr:\n${stderr}`));
        }
        child.on('error', fail);
        child.on('exit', (code) => fail(new Error(`jim-server exited with ${code} before listening`)));
        child.stdout.on('data', (d) => {
            stdout += d;
            const m = /listening on 127\.0\.0\.1:(\d+)/.exec(stdout);
            if (m) {
                clearTimeout(timer);
                child.removeAllListeners('exit');
                resolvePort(Number(m[1]));
            }
        });
    });

    return {
        port,
        http: `http://127.0.0.1:${port}`,
        ws: `ws://127.0.0.1:${port}/`,
        pid: /** @type {number} */ (child.pid),
        log: () => stderr,
        async stop() {
            if (child.exitCode === null && child.signalCode === null) {
                const exited = new Promise((r) => child.once('exit', r));
                process.kill(/** @type {number} */ (child.pid), 'SIGTERM');
                const forced = setTimeout(() => child.kill('SIGKILL'), 5000);
                await exited;
                clearTimeout(forced);
            }
            running.delete(child);
            rmSync(dataDir, { recursive: true, force: true });
        },
    };
}

/**
 * Polls `check` until it returns a truthy value, and returns that value.
 * @template T
 * @param {() => T | Promise<T>} check
 * @param {string} what described in the error
 * @param {number} [timeoutMs]
 * @returns {Promise<NonNullable<T>>}
 */
export async function waitFor(check, what, timeoutMs = 10000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await check();
        if (value) return /** @type {NonNullable<T>} */ (value);
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 25));
    }
}

/**
 * Resolves with the next event `name` of `client` that satisfies `match`.
 * @param {import('../../web/sdk/jim.js').JimClient} client
 * @param {keyof import('../../web/sdk/protocol.js').ClientEvents} name
 * @param {(arg: any) => boolean} [match]
 * @param {number} [timeoutMs]
 * @returns {Promise<any>}
 */
export function nextEvent(client, name, match = () => true, timeoutMs = 10000) {
    return new Promise((resolveEvent, reject) => {
        const timer = setTimeout(() => {
            off();
            reject(new Error(`no '${name}' event within ${timeoutMs} ms`));
        }, timeoutMs);
        const off = client.on(name, (arg) => {
            if (!match(arg)) return;
            clearTimeout(timer);
            off();
            resolveEvent(arg);
        });
    });
}

/**
 * One HTTP request on its own connection, closed afterwards. Node's fetch() keeps connections
 * alive in a pool that its WebSocket also draws from, and jim-server does not (yet) accept a
 * WebSocket upgrade on a connection that already carried an HTTP request; this keeps the API
 * calls of a test out of that pool.
 * @param {string} method
 * @param {string} url
 * @param {unknown} [body] sent as JSON when given
 * @returns {Promise<{status: number, body: any}>}
 */
export function httpJson(method, url, body = undefined) {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    /** @type {Record<string, string | number>} */
    const headers = { connection: 'close' };
    if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(payload);
    }
    return new Promise((resolveRes, reject) => {
        const req = request(url, { method, agent: false, headers }, (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d) => { text += d; });
            res.on('end', () => {
                try {
                    resolveRes({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
                } catch (e) {
                    reject(e);
                }
            });
        });
        req.setTimeout(10000, () => req.destroy(new Error(`${method} ${url}: no answer in 10 s`)));
        req.on('error', reject);
        req.end(payload);
    });
}
