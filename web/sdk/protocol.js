// @ts-check
/**
 * @file The protocol vocabulary shared by jim and J-IM 3.0 clients: command and status codes,
 * the JSON shapes (as JSDoc types) and the error type of the SDK. No behaviour lives here.
 */

/** Command codes (spec §5.1). Requests carry them in `cmd`, server messages in `command`. */
export const Command = Object.freeze({
    unknown: 0,
    login: 5,
    loginResp: 6,
    joinGroup: 7,
    joinGroupResp: 8,
    joinNotify: 9,
    exitNotify: 10,
    chat: 11,
    chatResp: 12,
    heartbeat: 13,
    close: 14,
    getUser: 17,
    getUserResp: 18,
    getMessage: 19,
    getMessageResp: 20,
    presence: 29,
});

/** Status codes the client acts on (spec §5.7). */
export const Code = Object.freeze({
    sendOk: 10000,
    offline: 10001,
    sendFailed: 10002,
    userAll: 10003,
    userFailed: 10004,
    usersOnline: 10005,
    usersOffline: 10006,
    loginOk: 10007,
    loginFailed: 10008,
    authFailed: 10010,
    joinOk: 10011,
    joinFailed: 10012,
    messagesFailed: 10015,
    offlineOk: 10016,
    unknownCmd: 10017,
    historyOk: 10018,
});

/** ChatType values (spec §5.5). */
export const ChatType = Object.freeze({ group: 1, private: 2 });

/**
 * @typedef {object} User
 * @property {string} userId
 * @property {string} [nick]
 * @property {string} [status] "online" or "offline"
 * @property {string} [terminal] "ws", "tcp", ...
 * @property {Group[]} [groups] groups the user belongs to (cmd 18 only)
 * @property {Group[]} [friends] friend categories (cmd 18 only)
 */

/**
 * @typedef {object} Group
 * @property {string} groupId
 * @property {string} [name]
 * @property {number} [online]
 * @property {User[]} [users] with cmd 17 type 0: the members that are online
 */

/**
 * A chat message as pushed (cmd 11 `data`) and as stored in history.
 * @typedef {object} ChatBody
 * @property {string} id 32 hex characters, assigned by the server, time-ordered
 * @property {number} createTime epoch ms, server clock
 * @property {string} from sender user id (always the authenticated sender on jim)
 * @property {string} [to] receiver user id (private chat)
 * @property {string} [groupId] target group (group chat)
 * @property {number} chatType 1 group, 2 private
 * @property {number} [msgType] 0 text, 1 image, ... (passed through, not interpreted)
 * @property {string} [content]
 * @property {object} [extras] free-form, passed through unchanged
 */

/**
 * The server's acknowledgement of one sent message (cmd 12).
 * @typedef {object} Ack
 * @property {number} code 10000 delivered to a live connection, 10001 receiver offline
 * @property {string} [msg]
 * @property {string} [id] server id of the message (jim; absent on J-IM 3.0)
 * @property {number} [createTime] server time of the message (jim)
 * @property {boolean} delivered code === 10000
 * @property {ChatBody} request what was sent, completed with `id` and `createTime` when known
 */

/**
 * @typedef {object} MemberEvent  a cmd-9 join or cmd-10 leave notification
 * @property {string} group
 * @property {User} user
 */

/**
 * @typedef {object} PresenceEvent  a cmd-29 notice (jim): either `user` (a contact came or went,
 *     `user.status` is "online" or "offline") or `group` with its counts (a large group)
 * @property {User} [user]
 * @property {string} [group]
 * @property {number} [online] members online now
 * @property {number} [total] members in all
 */

/**
 * @typedef {'idle'|'connecting'|'online'|'reconnecting'|'closed'} ConnectionStatus
 * idle: not started; connecting: first attempt; online: logged in; reconnecting: waiting for or
 * running a new attempt after a loss; closed: close() was called, the login was refused, or the
 * first attempt failed.
 */

/**
 * @typedef {object} StatusEvent
 * @property {ConnectionStatus} status
 * @property {ConnectionStatus} previous
 * @property {number} [attempt] reconnect attempt number (1 for the first retry)
 * @property {number} [delayMs] wait before that attempt
 * @property {string} [reason] why the connection was lost or closed
 */

/**
 * @typedef {object} CloseEvent
 * @property {number} code WebSocket close code (1006 when the connection just vanished)
 * @property {string} reason close reason sent by the server (jim names it, e.g. "kicked")
 * @property {boolean} wasOnline the connection had logged in
 * @property {boolean} willReconnect a reconnect is scheduled
 */

/**
 * @typedef {object} HistoryQuery  exactly one of `peer` and `groupId`
 * @property {string} [peer] the other user of a private conversation
 * @property {string} [groupId]
 * @property {number} [offset] paging (with `count`), counted from the oldest message
 * @property {number} [count]
 * @property {number} [beginTime] time window in epoch ms (with `endTime`), inclusive
 * @property {number} [endTime]
 */

/**
 * @typedef {object} HistoryEvent
 * @property {HistoryQuery} query what was asked
 * @property {ChatBody[]} messages the conversation's messages, oldest first
 * @property {{userId?: string, friends?: Record<string, ChatBody[]>, groups?: Record<string, ChatBody[]>}} data
 *     the raw cmd-20 `data`
 */

/**
 * What each event of JimClient passes to its listeners.
 * @typedef {object} ClientEvents
 * @property {ChatBody} chat a pushed message (cmd 11): to this user, to one of its groups, or a
 *     copy of what its other devices sent
 * @property {Ack} ack every chat acknowledgement, also of messages sent by send()
 * @property {MemberEvent} join cmd 9; J-IM sends the own ones before the login reply
 * @property {MemberEvent} leave cmd 10
 * @property {PresenceEvent} presence cmd 29 (jim): a contact came or went, or a large group's count
 * @property {User} users every successful cmd-18 reply
 * @property {HistoryEvent} history every successful history() reply
 * @property {StatusEvent} status every change of `status`
 * @property {CloseEvent} close every lost or closed connection
 * @property {Record<string, any>} message every parsed server message, before the others
 * @property {JimError} error a failure no request waits for (a bad frame, a failed re-join)
 */

/**
 * @typedef {object} SendOptions
 * @property {number} [msgType] default 0 (text)
 * @property {object} [extras] passed through to receivers unchanged
 */

/**
 * @typedef {object} ClientOptions
 * @property {string} url WebSocket URL of the server, e.g. "ws://127.0.0.1:8888/"
 * @property {string} userId
 * @property {string} [password]
 * @property {string} [token]
 * @property {'query'|'message'} [login] "query" (default): credentials in the upgrade URL, as
 *     J-IM's demo does; "message": a cmd-5 frame after the upgrade, which keeps the password out
 *     of URLs that proxies may log
 * @property {{new (url: string): WebSocket}} [WebSocket] constructor; default globalThis.WebSocket
 * @property {number} [heartbeatMs] default 30000; 0 disables heartbeats and the liveness check
 * @property {number} [requestTimeoutMs] default 10000
 * @property {number} [minBackoffMs] first reconnect delay, default 1000
 * @property {number} [maxBackoffMs] reconnect delay cap, default 30000
 * @property {boolean} [reconnect] default true
 */

/**
 * A failed request or connection. `code` is the server's status (e.g. 10008 login refused,
 * 10017 command not supported) or a string for local failures: "timeout", "disconnected",
 * "not_connected", "closed".
 */
export class JimError extends Error {
    /**
     * @param {string} message
     * @param {number|string} code
     * @param {any} [reply] the server message that caused the error
     */
    constructor(message, code, reply) {
        super(message);
        this.name = 'JimError';
        /** @type {number|string} */
        this.code = code;
        /** @type {any} */
        this.reply = reply;
    }
}
