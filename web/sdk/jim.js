// @ts-check
/**
 * @file A dependency-free client for jim (and J-IM 3.0 compatible servers) over WebSocket.
 *
 * One `JimClient` is one logged-in connection that survives network loss: it logs in through the
 * upgrade URL (`?username=&password=`, J-IM style) or with a cmd-5 frame, sends a heartbeat,
 * and reconnects with exponential backoff, logging in again and re-joining the groups it joined.
 * Requests that have a reply (chat, get-user, history, join) return Promises; everything the
 * server pushes is an event. Works in browsers and in Node (pass `WebSocket`, or run Node 20 with
 * `--experimental-websocket`; Node 22+ has it built in).
 *
 * Replies carry no request id, so each reply is matched to the oldest outstanding request of its
 * kind: the server answers the requests of one connection in the order they were sent.
 */

import { ChatType, Code, Command, JimError } from './protocol.js';

export { ChatType, Code, Command, JimError };

/** @typedef {import('./protocol.js').Ack} Ack */
/** @typedef {import('./protocol.js').ChatBody} ChatBody */
/** @typedef {import('./protocol.js').ClientOptions} ClientOptions */
/** @typedef {import('./protocol.js').ConnectionStatus} ConnectionStatus */
/** @typedef {import('./protocol.js').HistoryQuery} HistoryQuery */
/** @typedef {import('./protocol.js').SendOptions} SendOptions */
/** @typedef {import('./protocol.js').StatusEvent} StatusEvent */
/** @typedef {import('./protocol.js').User} User */
/** @typedef {import('./protocol.js').CloseEvent} CloseEvent */
/** @typedef {import('./protocol.js').MemberEvent} MemberEvent */
/** @typedef {import('./protocol.js').PresenceEvent} PresenceEvent */
/** @typedef {import('./protocol.js').Group} Group */
/** @typedef {import('./protocol.js').ClientEvents} ClientEvents */

/**
 * @typedef {object} Pending  one request waiting for its reply
 * @property {number} cmd request command
 * @property {any} body what was sent
 * @property {(value: any) => void} resolve
 * @property {(err: JimError) => void} reject
 * @property {ReturnType<typeof setTimeout>} timer
 */

/**
 * Requests every J-IM server implements; a command-0 "unknown" reply never belongs to them.
 * @type {Set<number>}
 */
const ALWAYS_SUPPORTED = new Set([Command.chat, Command.heartbeat]);

export class JimClient {
    /** @type {Required<Omit<ClientOptions, 'password'|'token'|'WebSocket'>> & ClientOptions} */
    #opt;
    /** @type {{new (url: string): WebSocket}} */
    #WebSocket;
    /** @type {Map<string, Set<(arg: any) => void>>} */
    #listeners = new Map();
    /** @type {WebSocket|null} */
    #ws = null;
    /** @type {ConnectionStatus} */
    #status = 'idle';
    /** @type {User|null} */
    #user = null;
    /** Outstanding requests in send order. @type {Pending[]} */
    #pending = [];
    /** Groups joined through joinGroup(), joined again after a reconnect. */
    #groups = new Set();
    #attempt = 0;
    #loggedIn = false;
    /** Set when nothing arrived since the last heartbeat was sent. */
    #awaitingBeat = false;
    /** @type {ReturnType<typeof setInterval>|null} */
    #beatTimer = null;
    /** @type {ReturnType<typeof setTimeout>|null} */
    #retryTimer = null;
    /** @type {ReturnType<typeof setTimeout>|null} */
    #loginTimer = null;
    /** Settles the pending connect(). @type {{resolve: (u: User) => void, reject: (e: JimError) => void}|null} */
    #connectWaiter = null;
    /** @type {Promise<User>|null} */
    #connecting = null;
    /** The pending connect() started a fresh attempt (not one joining a reconnect loop). */
    #failFast = false;
    /** Why the next close should not reconnect (login refused, close()). */
    #finalReason = '';

    /** @param {ClientOptions} options */
    constructor(options) {
        if (!options || !options.url || !options.userId) {
            throw new TypeError('JimClient needs {url, userId}');
        }
        this.#opt = {
            login: 'query',
            heartbeatMs: 30000,
            requestTimeoutMs: 10000,
            minBackoffMs: 1000,
            maxBackoffMs: 30000,
            reconnect: true,
            ...options,
        };
        const Ctor = options.WebSocket ?? /** @type {any} */ (globalThis).WebSocket;
        if (typeof Ctor !== 'function') {
            throw new TypeError('no WebSocket: pass {WebSocket} or run Node with --experimental-websocket');
        }
        this.#WebSocket = Ctor;
    }

    /** @returns {ConnectionStatus} */
    get status() {
        return this.#status;
    }

    /** The user id this client logs in as. */
    get userId() {
        return this.#opt.userId;
    }

    /** The profile from the last login reply (jim sends it; J-IM 3.0 does not: then `{userId}`). */
    get user() {
        return this.#user;
    }

    /**
     * Subscribes to an event (see ClientEvents for each one's argument); returns a function that
     * unsubscribes. A listener that throws does not disturb the client or other listeners.
     * @template {keyof ClientEvents} K
     * @param {K} event
     * @param {(arg: ClientEvents[K]) => void} fn
     * @returns {() => void}
     */
    on(event, fn) {
        let set = this.#listeners.get(event);
        if (!set) this.#listeners.set(event, (set = new Set()));
        set.add(fn);
        return () => this.off(event, fn);
    }

    /**
     * @template {keyof ClientEvents} K
     * @param {K} event
     * @param {(arg: ClientEvents[K]) => void} fn
     */
    off(event, fn) {
        this.#listeners.get(event)?.delete(fn);
    }

    /**
     * Opens the connection and logs in. Resolves with the user once the server answers 10007;
     * rejects when the login is refused (10008) or this attempt cannot connect, so that the
     * caller (a login form) can say so. After a success, losses are repaired by reconnecting
     * until close(). Called while reconnecting, it waits for that loop to succeed.
     * @returns {Promise<User>}
     */
    connect() {
        if (this.#status === 'online') return Promise.resolve(/** @type {User} */ (this.#user));
        if (this.#connecting) return this.#connecting;
        const promise = new Promise((resolve, reject) => {
            this.#connectWaiter = { resolve, reject };
        });
        this.#connecting = promise;
        const settled = () => {
            if (this.#connecting === promise) this.#connecting = null;
        };
        promise.then(settled, settled);
        this.#failFast = this.#status !== 'reconnecting';
        if (this.#failFast) {
            this.#finalReason = '';
            this.#attempt = 0;
            this.#setStatus('connecting');
            this.#open();
        }
        return promise;
    }

    /** Skips the remaining backoff wait (e.g. when the browser reports it is online again). */
    reconnectNow() {
        if (this.#status !== 'reconnecting' || !this.#retryTimer) return;
        clearTimeout(this.#retryTimer);
        this.#retryTimer = null;
        this.#open();
    }

    /** Closes the connection for good; pending requests reject with "closed". */
    close() {
        this.#finalReason = 'closed by client';
        this.#connectWaiter?.reject(new JimError('closed by client', 'closed'));
        this.#connectWaiter = null;
        if (this.#retryTimer) clearTimeout(this.#retryTimer);
        this.#retryTimer = null;
        if (this.#ws) {
            this.#teardown(1000, 'closed by client', true);
        } else if (this.#status !== 'closed' && this.#status !== 'idle') {
            this.#setStatus('closed', { reason: this.#finalReason });
        }
    }

    /**
     * Sends a private message. Resolves with the ack (10000 delivered, 10001 receiver offline);
     * rejects on any other status.
     * @param {string} to
     * @param {string} content
     * @param {SendOptions} [options]
     * @returns {Promise<Ack>}
     */
    sendPrivate(to, content, options = {}) {
        return this.#sendChat({ chatType: ChatType.private, to: String(to) }, content, options);
    }

    /**
     * Sends a message to a group. Resolves with the ack (10000).
     * @param {string} groupId
     * @param {string} content
     * @param {SendOptions} [options]
     * @returns {Promise<Ack>}
     */
    sendGroup(groupId, content, options = {}) {
        return this.#sendChat({ chatType: ChatType.group, groupId: String(groupId) }, content, options);
    }

    /**
     * Joins a group (cmd 7); the client joins it again after every reconnect. Resolves on the
     * server's confirmation (cmd 8 10011, or the own cmd-9 notification on J-IM, which sends
     * no cmd 8); rejects on a refusal (cmd 8 10012) or when the server has no groups (10017).
     * @param {string} groupId
     * @returns {Promise<void>}
     */
    async joinGroup(groupId) {
        const id = String(groupId);
        this.#groups.add(id);
        try {
            await this.#request({ cmd: Command.joinGroup, groupId: id });
        } catch (e) {
            // The server said no: do not ask again after every reconnect.
            if (typeof (/** @type {JimError} */ (e)).code === 'number') this.#groups.delete(id);
            throw e;
        }
    }

    /**
     * Asks for a user profile with its groups and their online members (cmd 17). Also emitted
     * as 'users'.
     * @param {{type?: 0|1|2, userId?: string}} [query] type 0 online (default), 1 offline, 2 all
     * @returns {Promise<User>}
     */
    getUsers(query = {}) {
        return this.#request({
            cmd: Command.getUser,
            type: query.type ?? 0,
            userId: query.userId ?? this.#opt.userId,
        });
    }

    /**
     * Reads stored messages of one conversation, oldest first (cmd 19 type 1). Also emitted as
     * 'history'.
     * @param {HistoryQuery} query
     * @returns {Promise<ChatBody[]>}
     */
    async history(query) {
        /** @type {Record<string, any>} */
        const body = { cmd: Command.getMessage, type: 1, userId: this.#opt.userId };
        if (query.groupId != null) body.groupId = String(query.groupId);
        else if (query.peer != null) body.fromUserId = String(query.peer);
        else throw new TypeError('history() needs {peer} or {groupId}');
        if (query.offset != null && query.count != null) {
            body.offset = query.offset;
            body.count = query.count;
        }
        if (query.beginTime != null && query.endTime != null) {
            body.beginTime = query.beginTime;
            body.endTime = query.endTime;
        }
        const data = await this.#request(body);
        const byKey = (query.groupId != null ? data?.groups : data?.friends) ?? {};
        const key = query.groupId != null ? body.groupId : body.fromUserId;
        // J-IM keys a conversation by the peer or group asked for; accept any key, as the reply
        // holds just this one conversation.
        const messages = byKey[key] ?? Object.values(byKey).flat();
        this.#emit('history', { query, messages, data });
        return messages;
    }

    /**
     * Fetches (and removes from the server) the messages that arrived while this user was
     * offline (cmd 19 type 0).
     * @returns {Promise<{friends: Record<string, ChatBody[]>, groups: Record<string, ChatBody[]>}>}
     */
    async offlineMessages() {
        const data = await this.#request({ cmd: Command.getMessage, type: 0, userId: this.#opt.userId });
        return { friends: data?.friends ?? {}, groups: data?.groups ?? {} };
    }

    /**
     * Sends one heartbeat now and resolves when the server answers.
     * @returns {Promise<void>}
     */
    async ping() {
        await this.#request({ cmd: Command.heartbeat });
    }

    // ---- sending ----

    /**
     * @param {Record<string, any>} target chatType with to or groupId
     * @param {string} content
     * @param {SendOptions} options
     * @returns {Promise<Ack>}
     */
    async #sendChat(target, content, options) {
        // `from` is what the server would fill in; J-IM 3.0 would otherwise use the nick.
        /** @type {Record<string, any>} */
        const body = {
            cmd: Command.chat,
            from: this.#opt.userId,
            ...target,
            msgType: options.msgType ?? 0,
            content: String(content),
        };
        if (options.extras !== undefined) body.extras = options.extras;
        return this.#request(body);
    }

    /**
     * Sends a request and waits for its reply (see #onReply for the matching).
     * @param {Record<string, any>} body
     * @returns {Promise<any>}
     */
    #request(body) {
        return new Promise((resolve, reject) => {
            if (!this.#loggedIn || !this.#ws) {
                reject(new JimError(`not connected (${this.#status})`, 'not_connected'));
                return;
            }
            /** @type {Pending} */
            const p = {
                cmd: body.cmd,
                body,
                resolve,
                reject,
                timer: setTimeout(() => {
                    this.#removePending(p);
                    reject(new JimError(`no reply to cmd ${body.cmd}`, 'timeout'));
                    // Chat and heartbeat are always answered, in order: a missing reply means
                    // the connection is broken, and a late one would be matched to the next
                    // request. Start over on a fresh connection.
                    if (ALWAYS_SUPPORTED.has(p.cmd)) this.#teardown(1006, 'request timeout', true);
                }, this.#opt.requestTimeoutMs),
            };
            this.#pending.push(p);
            this.#ws.send(JSON.stringify(body));
        });
    }

    /**
     * The oldest pending request that `match` accepts.
     * @param {(p: Pending) => boolean} match
     */
    #takePending(match) {
        const i = this.#pending.findIndex(match);
        if (i < 0) return null;
        const [p] = this.#pending.splice(i, 1);
        clearTimeout(p.timer);
        return p;
    }

    /** @param {Pending} p */
    #removePending(p) {
        const i = this.#pending.indexOf(p);
        if (i >= 0) this.#pending.splice(i, 1);
    }

    // ---- connection life cycle ----

    #open() {
        this.#retryTimer = null;
        /** @type {WebSocket} */
        let ws;
        try {
            const url = new URL(this.#opt.url);
            if (this.#opt.login === 'query') {
                url.searchParams.set('username', this.#opt.userId);
                if (this.#opt.password != null) url.searchParams.set('password', this.#opt.password);
                if (this.#opt.token != null) url.searchParams.set('token', this.#opt.token);
            }
            ws = new this.#WebSocket(url.toString());
        } catch (e) {
            // A malformed URL cannot get better by retrying.
            this.#finalReason = `cannot open ${this.#opt.url}: ${/** @type {Error} */ (e).message}`;
            this.#afterClose(1006, this.#finalReason, false);
            return;
        }
        ws.binaryType = 'arraybuffer';
        this.#ws = ws;
        this.#loggedIn = false;
        // Something that accepts the upgrade but never answers the login must not hang connect().
        this.#loginTimer = setTimeout(() => {
            if (this.#ws === ws) this.#teardown(1006, 'no login reply', true);
        }, this.#opt.requestTimeoutMs);
        ws.onopen = () => {
            if (this.#opt.login === 'message') {
                /** @type {Record<string, any>} */
                const login = { cmd: Command.login, userId: this.#opt.userId };
                if (this.#opt.password != null) login.password = this.#opt.password;
                if (this.#opt.token != null) login.token = this.#opt.token;
                ws.send(JSON.stringify(login));
            }
        };
        ws.onmessage = (ev) => this.#onFrame(ev.data);
        ws.onclose = (ev) => {
            if (this.#ws === ws) this.#teardown(ev.code, ev.reason, false);
        };
        ws.onerror = () => {
            // Browsers follow an error with a close event, which does the work. Node 20's
            // WebSocket may not after a failed handshake (it stays CONNECTING): give the close
            // event a moment, then give up on this socket ourselves.
            setTimeout(() => {
                if (this.#ws === ws) this.#teardown(1006, 'connection failed', true);
            }, 1000);
        };
    }

    /**
     * Forgets the socket, fails what waited on it, and decides about reconnecting.
     * @param {number} code
     * @param {string} reason
     * @param {boolean} closeSocket close it ourselves (client close, dead connection)
     */
    #teardown(code, reason, closeSocket) {
        const ws = this.#ws;
        if (!ws) return;
        this.#ws = null;
        ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
        if (closeSocket) {
            try {
                ws.close(1000);
            } catch {
                // Already closing: nothing to do.
            }
        }
        const wasOnline = this.#loggedIn;
        this.#loggedIn = false;
        this.#clearLoginTimer();
        this.#stopHeartbeat();
        const byClient = this.#finalReason === 'closed by client';
        for (const p of this.#pending.splice(0)) {
            clearTimeout(p.timer);
            p.reject(byClient
                ? new JimError(`closed before the reply to cmd ${p.cmd}`, 'closed')
                : new JimError(`connection lost before the reply to cmd ${p.cmd}`, 'disconnected'));
        }
        this.#afterClose(code, reason, wasOnline);
    }

    /**
     * @param {number} code
     * @param {string} reason
     * @param {boolean} wasOnline
     */
    #afterClose(code, reason, wasOnline) {
        // connect() fails fast: the caller decides whether to try again.
        const connectFailed = this.#connectWaiter !== null && this.#failFast;
        const willReconnect = this.#opt.reconnect && !this.#finalReason && !connectFailed;
        this.#emit('close', { code, reason, wasOnline, willReconnect });
        if (!willReconnect) {
            const why = this.#finalReason || reason || `connection closed (${code})`;
            this.#connectWaiter?.reject(new JimError(why, 'disconnected'));
            this.#connectWaiter = null;
            this.#setStatus('closed', { reason: why });
            return;
        }
        this.#attempt += 1;
        // Exponential backoff with ±20 % jitter so that many clients do not return in lockstep.
        const base = Math.min(this.#opt.maxBackoffMs, this.#opt.minBackoffMs * 2 ** (this.#attempt - 1));
        const jitter = 0.8 + Math.random() * 0.4;
        const delayMs = Math.round(
            Math.min(this.#opt.maxBackoffMs, Math.max(this.#opt.minBackoffMs, base * jitter)));
        this.#setStatus('reconnecting', {
            attempt: this.#attempt,
            delayMs,
            reason: reason || `connection closed (${code})`,
        });
        this.#retryTimer = setTimeout(() => this.#open(), delayMs);
    }

    /** @param {User} user */
    #onLoggedIn(user) {
        this.#clearLoginTimer();
        this.#loggedIn = true;
        this.#attempt = 0;
        this.#user = user;
        this.#startHeartbeat();
        // Re-join before announcing 'online', so that what listeners ask next (e.g. the online
        // members of a group) is answered after the joins.
        for (const g of this.#groups) {
            this.#request({ cmd: Command.joinGroup, groupId: g }).catch((e) => this.#emit('error', e));
        }
        this.#setStatus('online');
        this.#connectWaiter?.resolve(user);
        this.#connectWaiter = null;
    }

    #clearLoginTimer() {
        if (this.#loginTimer) clearTimeout(this.#loginTimer);
        this.#loginTimer = null;
    }

    #startHeartbeat() {
        this.#stopHeartbeat();
        if (!(this.#opt.heartbeatMs > 0)) return;
        this.#awaitingBeat = false;
        this.#beatTimer = setInterval(() => {
            // Nothing at all came back for a whole interval, not even the last heartbeat's reply:
            // the connection is dead even if the socket has not noticed (e.g. a sleeping laptop).
            if (this.#awaitingBeat) {
                this.#teardown(1006, 'heartbeat timeout', true);
                return;
            }
            this.#awaitingBeat = true;
            this.#ws?.send(JSON.stringify({ cmd: Command.heartbeat }));
        }, this.#opt.heartbeatMs);
    }

    #stopHeartbeat() {
        if (this.#beatTimer) clearInterval(this.#beatTimer);
        this.#beatTimer = null;
    }

    /**
     * @param {ConnectionStatus} status
     * @param {Partial<StatusEvent>} [extra]
     */
    #setStatus(status, extra = {}) {
        const previous = this.#status;
        this.#status = status;
        this.#emit('status', { status, previous, ...extra });
    }

    // ---- receiving ----

    /** @param {any} data */
    #onFrame(data) {
        this.#awaitingBeat = false;
        const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
        let msg;
        try {
            msg = JSON.parse(text);
        } catch {
            this.#emit('error', new JimError('server sent a frame that is not JSON', 'bad_frame', text));
            return;
        }
        if (!msg || typeof msg !== 'object') return;
        this.#emit('message', msg);
        this.#dispatch(msg);
    }

    /** @param {Record<string, any>} msg */
    #dispatch(msg) {
        switch (msg.command) {
            case Command.loginResp:
                return this.#onLoginReply(msg);
            case Command.chat:
                if (msg.data && typeof msg.data === 'object') this.#emit('chat', msg.data);
                return;
            case Command.joinNotify: {
                const ev = { group: String(msg.group ?? ''), user: msg.user ?? {} };
                this.#emit('join', ev);
                // J-IM confirms a join only through the joiner's own notification.
                if (ev.user.userId === this.#opt.userId) {
                    this.#takePending((p) => p.cmd === Command.joinGroup && p.body.groupId === ev.group)
                        ?.resolve(undefined);
                }
                return;
            }
            case Command.exitNotify: {
                const d = msg.data ?? {};
                this.#emit('leave', { group: String(d.group ?? ''), user: d.user ?? {} });
                return;
            }
            case Command.presence: {
                const d = msg.data && typeof msg.data === 'object' ? msg.data : {};
                /** @type {PresenceEvent} */
                const ev = {};
                if (d.user && typeof d.user === 'object') ev.user = d.user;
                if (typeof d.group === 'string') {
                    ev.group = d.group;
                    ev.online = Number(d.online ?? 0);
                    ev.total = Number(d.total ?? 0);
                }
                this.#emit('presence', ev);
                return;
            }
            default:
                return this.#onReply(msg);
        }
    }

    /** @param {Record<string, any>} msg */
    #onLoginReply(msg) {
        if (this.#loggedIn) return;  // one login per connection; a repeat changes nothing
        if (msg.code === Code.loginOk) {
            this.#onLoggedIn(msg.user && typeof msg.user === 'object' ? msg.user : { userId: this.#opt.userId });
            return;
        }
        // A refused login is final: retrying the same credentials cannot succeed. The server
        // closes the connection too; not waiting for it keeps this independent of the server.
        this.#finalReason = `login refused (${msg.code}${msg.reason ? `: ${msg.reason}` : ''})`;
        this.#connectWaiter?.reject(new JimError(this.#finalReason, msg.code ?? Code.loginFailed, msg));
        this.#connectWaiter = null;
        this.#teardown(1008, this.#finalReason, true);
    }

    /**
     * Replies to requests. Each goes to the oldest pending request of the kind it answers; a
     * command-0 "unknown command" goes to the oldest request a server may lack (not chat or
     * heartbeat), since it names no command.
     * @param {Record<string, any>} msg
     */
    #onReply(msg) {
        switch (msg.command) {
            case Command.chatResp: {
                const p = this.#takePending((q) => q.cmd === Command.chat);
                const data = msg.data ?? {};
                const request = { ...(p?.body ?? {}) };
                delete request.cmd;
                if (data.id) request.id = data.id;
                if (data.createTime) request.createTime = data.createTime;
                /** @type {Ack} */
                const ack = {
                    code: msg.code,
                    msg: msg.msg,
                    id: data.id,
                    createTime: data.createTime,
                    delivered: msg.code === Code.sendOk,
                    request: /** @type {ChatBody} */ (request),
                };
                this.#emit('ack', ack);
                if (!p) return;
                if (msg.code === Code.sendOk || msg.code === Code.offline) p.resolve(ack);
                else p.reject(failure('message refused', msg));
                return;
            }
            case Command.getUserResp: {
                const p = this.#takePending((q) => q.cmd === Command.getUser);
                const ok = [Code.usersOnline, Code.usersOffline, Code.userAll].includes(msg.code);
                if (ok && msg.data) this.#emit('users', msg.data);
                if (ok) p?.resolve(msg.data ?? null);
                else p?.reject(failure('get user failed', msg));
                return;
            }
            case Command.getMessageResp: {
                const p = this.#takePending((q) => q.cmd === Command.getMessage);
                if (msg.code === Code.historyOk || msg.code === Code.offlineOk) p?.resolve(msg.data ?? {});
                else p?.reject(failure('get messages failed', msg));
                return;
            }
            case Command.joinGroupResp: {
                const group = msg.group != null ? String(msg.group) : null;
                const p = this.#takePending(
                    (q) => q.cmd === Command.joinGroup && (group === null || q.body.groupId === group));
                if (msg.code === Code.joinOk && (msg.result == null || msg.result === 1)) p?.resolve(undefined);
                else p?.reject(failure('join refused', msg));
                return;
            }
            case Command.heartbeat:
                this.#takePending((q) => q.cmd === Command.heartbeat)?.resolve(undefined);
                return;
            case Command.unknown:
                this.#takePending((q) => !ALWAYS_SUPPORTED.has(q.cmd))
                    ?.reject(failure('the server does not support this command', msg));
                return;
            default:
                return;  // e.g. 14 close ok: the close event follows
        }
    }

    /**
     * Calls every listener of `event`. A throwing listener is reported asynchronously so that
     * it cannot break the client or the other listeners.
     * @template {keyof ClientEvents} K
     * @param {K} event
     * @param {ClientEvents[K]} arg
     */
    #emit(event, arg) {
        const set = this.#listeners.get(event);
        if (!set) return;
        for (const fn of [...set]) {
            try {
                fn(arg);
            } catch (e) {
                reportError(e);
            }
        }
    }
}

/**
 * Reports a listener's exception the way the platform reports uncaught ones (browsers: the
 * console and window.onerror) without unwinding the client's own stack.
 * @param {unknown} e
 */
function reportError(e) {
    const report = /** @type {any} */ (globalThis).reportError;
    if (typeof report === 'function') {
        report(e);
    } else {
        setTimeout(() => {
            throw e;
        });
    }
}

/**
 * @param {string} what
 * @param {Record<string, any>} msg
 */
function failure(what, msg) {
    const detail = msg.reason ?? msg.msg ?? '';
    return new JimError(`${what}: ${msg.code}${detail ? ` ${detail}` : ''}`, msg.code ?? 'error', msg);
}
