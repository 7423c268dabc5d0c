// @ts-check
/**
 * @file The jim web chat page: log in, see who is online, chat 1:1 and in groups, read history.
 *
 * Safety rule for this file: text from the network (message content, user ids, nicks, group
 * names, server messages) reaches the DOM only through textContent and attributes set with
 * createElement; never innerHTML, insertAdjacentHTML or string-built markup. J-IM's demo page
 * had stored XSS because it did otherwise.
 */

import { Code, JimClient } from './sdk/jim.js';

/** The group every user lands in (J-IM's demo group). */
const DEFAULT_GROUP = '100';
/** How often the online list is refreshed without a join/leave event, and the API fallback. */
const USERS_REFRESH_MS = 30000;
const API_POLL_MS = 5000;

/**
 * @typedef {object} Entry  one line in a conversation
 * @property {string} [id] server id; absent while a sent message waits for its ack
 * @property {string} from
 * @property {string} text
 * @property {number} time epoch ms
 * @property {'message'|'notice'} kind
 * @property {'pending'|'failed'|'offline'} [state] own messages only
 * @property {string} [detail] why it failed
 */

/**
 * @typedef {object} Conversation
 * @property {string} key "g:<groupId>" or "u:<userId>"
 * @property {'group'|'user'} kind
 * @property {string} id group id or peer user id
 * @property {Entry[]} entries sorted by time
 * @property {Set<string>} ids server ids already shown (history and live pushes overlap)
 * @property {number} unread
 * @property {'none'|'loading'|'done'|'unavailable'} history
 */

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

const state = {
    /** @type {JimClient|null} */
    client: null,
    me: '',
    /** @type {Map<string, Conversation>} */
    convs: new Map(),
    /** @type {string} */
    active: '',
    /** Online users other than me: userId → nick. @type {Map<string, string>} */
    online: new Map(),
    /** Known groups: groupId → name. @type {Map<string, string>} */
    groups: new Map(),
    /** Where the online list comes from. @type {'cmd17'|'api'|'none'} */
    usersSource: 'cmd17',
    /** @type {ReturnType<typeof setInterval>|null} */
    usersTimer: null,
    /** @type {ReturnType<typeof setTimeout>|null} */
    usersDebounce: null,
    /** @type {ReturnType<typeof setInterval>|null} */
    countdown: null,
};

// ---- helpers that build DOM safely ----

/**
 * Creates an element with a class and text. The text is always textContent.
 * @param {string} tag
 * @param {string} [className]
 * @param {string} [text]
 */
function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
}

/** @param {string} userId */
function displayName(userId) {
    const nick = state.online.get(userId);
    return nick && nick !== userId ? `${nick} (${userId})` : userId;
}

/**
 * A round badge with the first letter; the colour class comes from a hash of the id, so the
 * same user always gets the same colour without any inline style.
 * @param {string} name
 */
function avatar(name) {
    let h = 0;
    for (const ch of name) h = (h * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
    const letter = [...name][0]?.toUpperCase() ?? '?';
    return el('span', `avatar c${h % 8}`, letter);
}

/** @param {number} ms */
function formatTime(ms) {
    const d = new Date(ms);
    const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    return d.toDateString() === new Date().toDateString() ? time : `${d.toLocaleDateString()} ${time}`;
}

// ---- conversations ----

/**
 * @param {'group'|'user'} kind
 * @param {string} id
 * @returns {Conversation}
 */
function conversation(kind, id) {
    const key = `${kind === 'group' ? 'g' : 'u'}:${id}`;
    let conv = state.convs.get(key);
    if (!conv) {
        conv = { key, kind, id, entries: [], ids: new Set(), unread: 0, history: 'none' };
        state.convs.set(key, conv);
    }
    return conv;
}

/**
 * The conversation a chat message belongs to, seen from this user.
 * @param {import('./sdk/jim.js').ChatBody} m
 */
function conversationOf(m) {
    if (m.chatType === 1) return conversation('group', String(m.groupId ?? ''));
    return conversation('user', m.from === state.me ? String(m.to ?? '') : String(m.from ?? ''));
}

/**
 * Adds a message received live or from history; ignores ids already shown.
 * @param {import('./sdk/jim.js').ChatBody} m
 * @param {boolean} live counts as unread when its conversation is not open
 */
function addMessage(m, live) {
    if (!m || typeof m !== 'object') return;
    const conv = conversationOf(m);
    if (m.id && conv.ids.has(m.id)) return;
    if (m.id) conv.ids.add(m.id);
    insertEntry(conv, {
        id: m.id,
        from: String(m.from ?? ''),
        text: typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? ''),
        time: Number(m.createTime) || Date.now(),
        kind: 'message',
    });
    if (live && m.from !== state.me && conv.key !== state.active) conv.unread += 1;
    renderSidebar();
    if (conv.key === state.active) renderMessages();
}

/**
 * @param {Conversation} conv
 * @param {Entry} entry
 */
function insertEntry(conv, entry) {
    // Entries stay sorted by time; a late history page or a message from a device with a
    // skewed clock lands where it belongs instead of at the end.
    let i = conv.entries.length;
    while (i > 0 && conv.entries[i - 1].time > entry.time) i -= 1;
    conv.entries.splice(i, 0, entry);
}

/**
 * A system line in a group ("bob joined"); not stored anywhere.
 * @param {string} groupId
 * @param {string} text
 */
function addNotice(groupId, text) {
    const conv = conversation('group', groupId);
    insertEntry(conv, { from: '', text, time: Date.now(), kind: 'notice' });
    if (conv.key === state.active) renderMessages();
}

/** @param {Conversation} conv */
function openConversation(conv) {
    state.active = conv.key;
    conv.unread = 0;
    renderSidebar();
    renderHeader();
    renderMessages();
    loadHistory(conv);
    $('text').focus();
}

/**
 * Reads the stored messages of a conversation once (again after a reconnect). A server without
 * history (cmd 19 unsupported, or storage off) leaves the conversation as it is.
 * @param {Conversation} conv
 */
async function loadHistory(conv) {
    const client = state.client;
    if (!client || client.status !== 'online' || conv.history === 'loading' || conv.history === 'done') {
        return;
    }
    if (conv.history === 'unavailable') return;
    conv.history = 'loading';
    renderHeader();
    try {
        const query = conv.kind === 'group' ? { groupId: conv.id } : { peer: conv.id };
        const messages = await client.history(query);
        conv.history = 'done';
        for (const m of messages) addMessage(m, false);
    } catch (e) {
        const code = /** @type {any} */ (e).code;
        const unsupported = code === Code.unknownCmd || code === Code.messagesFailed;
        conv.history = unsupported ? 'unavailable' : 'none';
    }
    renderHeader();
    if (conv.key === state.active) renderMessages();
}

// ---- rendering ----

function renderHeader() {
    const conv = state.convs.get(state.active);
    if (!conv) return;
    const name = conv.kind === 'group' ? `# ${state.groups.get(conv.id) ?? conv.id}` : displayName(conv.id);
    $('conv-title').textContent = name;
    const notes = {
        none: '',
        loading: 'Loading history…',
        done: '',
        unavailable: 'History is not available on this server',
    };
    const presence = conv.kind === 'user' ? (state.online.has(conv.id) ? 'online' : 'offline') : '';
    $('conv-note').textContent = [presence, notes[conv.history]].filter(Boolean).join(' · ');
}

function renderMessages() {
    const list = $('messages');
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const conv = state.convs.get(state.active);
    const items = [];
    for (const entry of conv?.entries ?? []) items.push(renderEntry(entry));
    if (conv && items.length === 0) {
        items.push(el('li', 'empty', 'No messages yet. Say hello!'));
    }
    list.replaceChildren(...items);
    if (atBottom || conv?.entries.at(-1)?.from === state.me) list.scrollTop = list.scrollHeight;
}

/** @param {Entry} entry */
function renderEntry(entry) {
    if (entry.kind === 'notice') return el('li', 'notice', entry.text);
    const mine = entry.from === state.me;
    const li = el('li', mine ? 'msg mine' : 'msg');
    if (entry.id) li.dataset.id = entry.id;
    if (!mine) li.append(avatar(entry.from));
    const bubble = el('div', 'bubble');
    const meta = el('div', 'meta');
    meta.append(el('span', 'from', mine ? 'You' : displayName(entry.from)));
    const time = /** @type {HTMLTimeElement} */ (el('time', 'time', formatTime(entry.time)));
    time.dateTime = new Date(entry.time).toISOString();
    meta.append(time);
    bubble.append(meta, el('div', 'text', entry.text));
    if (entry.state === 'pending') bubble.append(el('div', 'state', 'sending…'));
    if (entry.state === 'offline') bubble.append(el('div', 'state', 'recipient was offline'));
    if (entry.state === 'failed') bubble.append(el('div', 'state failed', `not sent: ${entry.detail ?? ''}`));
    li.append(bubble);
    return li;
}

/**
 * @param {'group'|'user'} kind
 * @param {string} id
 * @param {string} label
 * @param {HTMLElement} icon
 * @param {boolean} online
 */
function sidebarItem(kind, id, label, icon, online) {
    const key = `${kind === 'group' ? 'g' : 'u'}:${id}`;
    const unread = state.convs.get(key)?.unread ?? 0;
    const li = el('li');
    const button = /** @type {HTMLButtonElement} */ (
        el('button', `item${key === state.active ? ' active' : ''}${online ? '' : ' away'}`));
    button.type = 'button';
    button.dataset.key = key;
    button.append(icon, el('span', 'label', label));
    if (unread > 0) button.append(el('span', 'badge', String(unread)));
    button.addEventListener('click', () => openConversation(conversation(kind, id)));
    li.append(button);
    return li;
}

function renderSidebar() {
    // Known groups, plus any group a message or notice arrived from.
    const groupIds = new Set(state.groups.keys());
    for (const conv of state.convs.values()) if (conv.kind === 'group') groupIds.add(conv.id);
    const groups = [...groupIds].sort();
    $('group-list').replaceChildren(...groups.map((g) =>
        sidebarItem('group', g, state.groups.get(g) ?? g, el('span', 'avatar group', '#'), true)));

    // People: everyone online, plus anyone with a conversation (shown greyed when offline).
    const people = new Set(state.online.keys());
    for (const conv of state.convs.values()) if (conv.kind === 'user') people.add(conv.id);
    people.delete(state.me);
    const sorted = [...people].sort((a, b) =>
        Number(state.online.has(b)) - Number(state.online.has(a)) || a.localeCompare(b));
    $('user-list').replaceChildren(...sorted.map((id) =>
        sidebarItem('user', id, displayName(id), avatar(id), state.online.has(id))));
    $('online-count').textContent = state.usersSource === 'none' ? '' : `${state.online.size} online`;
}

// ---- connection status ----

/** @param {import('./sdk/jim.js').StatusEvent} ev */
function onStatus(ev) {
    const pill = $('status');
    pill.dataset.state = ev.status;
    if (state.countdown) clearInterval(state.countdown);
    state.countdown = null;
    const banner = $('banner');
    banner.hidden = ev.status !== 'reconnecting' && ev.status !== 'closed';
    const labels = { idle: 'Offline', connecting: 'Connecting…', online: 'Online', closed: 'Offline' };
    if (ev.status === 'closed') {
        // Only a refused re-login ends the retries; say why and offer to try again.
        $('banner-text').textContent = `Disconnected${ev.reason ? ` (${ev.reason})` : ''}.`;
    }
    if (ev.status === 'reconnecting') {
        // A visible countdown, so a user knows the page is working on it.
        const until = Date.now() + (ev.delayMs ?? 0);
        const tick = () => {
            const left = Math.max(0, Math.round((until - Date.now()) / 1000));
            pill.textContent = left > 0 ? `Reconnecting in ${left} s` : 'Reconnecting…';
            $('banner-text').textContent =
                `Connection lost${ev.reason ? ` (${ev.reason})` : ''}. ` +
                (left > 0 ? `Reconnecting in ${left} s (attempt ${ev.attempt}).` : 'Reconnecting…');
        };
        tick();
        state.countdown = setInterval(tick, 500);
    } else {
        pill.textContent = labels[ev.status];
    }
    const online = ev.status === 'online';
    /** @type {HTMLButtonElement} */ ($('send')).disabled = !online;
    if (online && ev.previous === 'reconnecting') afterReconnect();
}

function afterReconnect() {
    refreshUsers();
    fetchOffline();
    // Read history again to fill the gap of the outage: now for the open conversation, the
    // others when they are opened.
    for (const conv of state.convs.values()) if (conv.history === 'done') conv.history = 'none';
    const conv = state.convs.get(state.active);
    if (conv) loadHistory(conv);
}

// ---- online users ----

/** Refreshes the online list from cmd 17, or switches to the HTTP API when cmd 17 is missing. */
async function refreshUsers() {
    const client = state.client;
    if (!client || client.status !== 'online') return;
    if (state.usersSource !== 'cmd17') return pollApi();
    try {
        const me = await client.getUsers();
        state.online.clear();
        for (const g of me?.groups ?? []) {
            if (!g || g.groupId == null) continue;
            state.groups.set(String(g.groupId), String(g.name || g.groupId));
            for (const u of g.users ?? []) {
                if (u?.userId != null && u.userId !== state.me) {
                    state.online.set(String(u.userId), String(u.nick ?? u.userId));
                }
            }
        }
        renderSidebar();
        renderHeader();
    } catch (e) {
        // A lost connection or a timeout: the next refresh (or afterReconnect) asks again. Only
        // a server answer (10017 unknown command, an error status) means cmd 17 is unusable.
        if (typeof /** @type {any} */ (e).code !== 'number') return;
        state.usersSource = 'api';
        startUsersTimer();
        await pollApi();
    }
}

/**
 * The fallback: jim's HTTP API. Without an api.key it answers loopback clients only, so a page
 * opened from elsewhere gets 403 and says so instead of polling on.
 */
async function pollApi() {
    let res;
    try {
        res = await fetch('/api/users/online', { cache: 'no-store' });
    } catch {
        return;  // network trouble: try again at the next tick
    }
    if (res.ok) {
        const body = await res.json().catch(() => ({}));
        state.online.clear();
        for (const id of body.users ?? []) if (String(id) !== state.me) state.online.set(String(id), String(id));
        $('users-note').textContent = '';
    } else if (res.status >= 400 && res.status < 500) {
        state.usersSource = 'none';
        stopUsersTimer();
        $('users-note').textContent = 'The online list is not available here; open a chat by user id.';
    }
    renderSidebar();
    renderHeader();
}

function startUsersTimer() {
    stopUsersTimer();
    const every = state.usersSource === 'api' ? API_POLL_MS : USERS_REFRESH_MS;
    state.usersTimer = setInterval(refreshUsers, every);
}

function stopUsersTimer() {
    if (state.usersTimer) clearInterval(state.usersTimer);
    state.usersTimer = null;
}

/** Joins and leaves come in bursts (a login joins every group): ask once per burst. */
function refreshUsersSoon() {
    if (state.usersDebounce) clearTimeout(state.usersDebounce);
    state.usersDebounce = setTimeout(refreshUsers, 200);
}

/** Messages that arrived while this user was offline (needs the server's message store). */
async function fetchOffline() {
    try {
        const data = await state.client?.offlineMessages();
        for (const list of [...Object.values(data?.friends ?? {}), ...Object.values(data?.groups ?? {})]) {
            for (const m of Array.isArray(list) ? list : []) addMessage(m, true);
        }
    } catch {
        // No store on this server: nothing was kept.
    }
}

// ---- sending ----

/** @param {SubmitEvent} ev */
async function onSend(ev) {
    ev.preventDefault();
    const input = /** @type {HTMLInputElement} */ ($('text'));
    const text = input.value;
    const conv = state.convs.get(state.active);
    const client = state.client;
    if (!text.trim() || !conv || !client) return;
    input.value = '';
    /** @type {Entry} */
    const entry = { from: state.me, text, time: Date.now(), kind: 'message', state: 'pending' };
    conv.entries.push(entry);
    renderMessages();
    try {
        const ack = conv.kind === 'group'
            ? await client.sendGroup(conv.id, text)
            : await client.sendPrivate(conv.id, text);
        if (ack.id && conv.ids.has(ack.id)) {
            // The server echoed it back before the ack (J-IM does for groups): keep one copy.
            conv.entries.splice(conv.entries.indexOf(entry), 1);
        } else {
            entry.id = ack.id;
            if (ack.id) conv.ids.add(ack.id);
            if (ack.createTime) entry.time = ack.createTime;
            entry.state = ack.code === Code.offline ? 'offline' : undefined;
        }
    } catch (e) {
        entry.state = 'failed';
        entry.detail = /** @type {Error} */ (e).message;
    }
    if (conv.key === state.active) renderMessages();
}

/** @param {SubmitEvent} ev */
function onOpenUser(ev) {
    ev.preventDefault();
    const input = /** @type {HTMLInputElement} */ ($('open-user'));
    const id = input.value.trim();
    if (!id || id === state.me) return;
    input.value = '';
    openConversation(conversation('user', id));
}

// ---- log in / out ----

/**
 * @param {string} userId
 * @param {string} password
 */
async function login(userId, password) {
    if (state.client) return;  // a login is already running
    const error = $('login-error');
    error.textContent = '';
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const client = new JimClient({ url: `${scheme}//${location.host}/`, userId, password });
    client.on('status', onStatus);
    client.on('chat', (m) => addMessage(m, true));
    client.on('join', (ev) => {
        if (ev.user.userId !== state.me) addNotice(ev.group, `${ev.user.nick || ev.user.userId} joined`);
        refreshUsersSoon();
    });
    client.on('leave', (ev) => {
        if (ev.user.userId !== state.me) addNotice(ev.group, `${ev.user.nick || ev.user.userId} left`);
        refreshUsersSoon();
    });
    state.client = client;
    state.me = userId;
    try {
        await client.connect();
    } catch (e) {
        state.client = null;
        const code = /** @type {any} */ (e).code;
        error.textContent = code === Code.loginFailed
            ? 'Login refused: check the user id and password.'
            : `Cannot reach the server (${/** @type {Error} */ (e).message}).`;
        return;
    }
    showChat();
    state.groups.set(DEFAULT_GROUP, state.groups.get(DEFAULT_GROUP) ?? DEFAULT_GROUP);
    openConversation(conversation('group', DEFAULT_GROUP));
    // J-IM and jim may join it at login already; joining again is harmless and makes sure.
    try {
        await client.joinGroup(DEFAULT_GROUP);
    } catch (e) {
        addNotice(DEFAULT_GROUP, `Could not join group ${DEFAULT_GROUP}: ${/** @type {Error} */ (e).message}`);
    }
    state.usersSource = 'cmd17';
    startUsersTimer();
    await refreshUsers();
    fetchOffline();
    loadHistory(conversation('group', DEFAULT_GROUP));
}

function showChat() {
    $('login-view').hidden = true;
    $('chat-view').hidden = false;
    const me = $('me');
    me.hidden = false;
    me.replaceChildren(avatar(state.me), el('span', '', state.me));
    $('logout').hidden = false;
}

function logout() {
    state.client?.close();
    state.client = null;
    stopUsersTimer();
    state.convs.clear();
    state.online.clear();
    state.groups.clear();
    state.active = '';
    state.me = '';
    $('chat-view').hidden = true;
    $('login-view').hidden = false;
    $('me').hidden = true;
    $('logout').hidden = true;
    $('messages').replaceChildren();
    $('users-note').textContent = '';
}

function init() {
    $('login-form').addEventListener('submit', (ev) => {
        ev.preventDefault();
        const user = /** @type {HTMLInputElement} */ ($('login-user')).value.trim();
        const password = /** @type {HTMLInputElement} */ ($('login-password')).value;
        if (user) login(user, password);
    });
    $('composer').addEventListener('submit', onSend);
    $('open-form').addEventListener('submit', onOpenUser);
    $('logout').addEventListener('click', logout);
    $('retry').addEventListener('click', () => {
        const client = state.client;
        if (client?.status === 'closed') client.connect().catch(() => {});
        else client?.reconnectNow();
    });
    window.addEventListener('online', () => state.client?.reconnectNow());

    // J-IM's demo links: /?username=alice&password=123. Log in, then take the password out of
    // the address bar and the history.
    const params = new URLSearchParams(location.search);
    const user = params.get('username');
    if (user) {
        /** @type {HTMLInputElement} */ ($('login-user')).value = user;
        const password = params.get('password') ?? '';
        if (params.has('password')) {
            params.delete('password');
            const query = params.toString();
            history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}`);
        }
        login(user, password);
    }
}

init();
