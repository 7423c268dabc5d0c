export class JimClient {
    /** @param {ClientOptions} options */
    constructor(options: ClientOptions);
    /** @returns {ConnectionStatus} */
    get status(): ConnectionStatus;
    /** The user id this client logs in as. */
    get userId(): string;
    /** The profile from the last login reply (jim sends it; J-IM 3.0 does not: then `{userId}`). */
    get user(): import("./protocol.js").User | null;
    /**
     * Subscribes to an event (see ClientEvents for each one's argument); returns a function that
     * unsubscribes. A listener that throws does not disturb the client or other listeners.
     * @template {keyof ClientEvents} K
     * @param {K} event
     * @param {(arg: ClientEvents[K]) => void} fn
     * @returns {() => void}
     */
    on<K extends keyof ClientEvents>(event: K, fn: (arg: ClientEvents[K]) => void): () => void;
    /**
     * @template {keyof ClientEvents} K
     * @param {K} event
     * @param {(arg: ClientEvents[K]) => void} fn
     */
    off<K extends keyof ClientEvents>(event: K, fn: (arg: ClientEvents[K]) => void): void;
    /**
     * Opens the connection and logs in. Resolves with the user once the server answers 10007;
     * rejects when the login is refused (10008) or this attempt cannot connect, so that the
     * caller (a login form) can say so. After a success, losses are repaired by reconnecting
     * until close(). Called while reconnecting, it waits for that loop to succeed.
     * @returns {Promise<User>}
     */
    connect(): Promise<User>;
    /** Skips the remaining backoff wait (e.g. when the browser reports it is online again). */
    reconnectNow(): void;
    /** Closes the connection for good; pending requests reject with "closed". */
    close(): void;
    /**
     * Sends a private message. Resolves with the ack (10000 delivered, 10001 receiver offline);
     * rejects on any other status.
     * @param {string} to
     * @param {string} content
     * @param {SendOptions} [options]
     * @returns {Promise<Ack>}
     */
    sendPrivate(to: string, content: string, options?: SendOptions): Promise<Ack>;
    /**
     * Sends a message to a group. Resolves with the ack (10000).
     * @param {string} groupId
     * @param {string} content
     * @param {SendOptions} [options]
     * @returns {Promise<Ack>}
     */
    sendGroup(groupId: string, content: string, options?: SendOptions): Promise<Ack>;
    /**
     * Joins a group (cmd 7); the client joins it again after every reconnect. Resolves on the
     * server's confirmation (cmd 8 10011, or the own cmd-9 notification on J-IM, which sends
     * no cmd 8); rejects on a refusal (cmd 8 10012) or when the server has no groups (10017).
     * @param {string} groupId
     * @returns {Promise<void>}
     */
    joinGroup(groupId: string): Promise<void>;
    /**
     * Asks for a user profile with its groups and their online members (cmd 17). Also emitted
     * as 'users'.
     * @param {{type?: 0|1|2, userId?: string}} [query] type 0 online (default), 1 offline, 2 all
     * @returns {Promise<User>}
     */
    getUsers(query?: {
        type?: 0 | 1 | 2;
        userId?: string;
    }): Promise<User>;
    /**
     * Reads stored messages of one conversation, oldest first (cmd 19 type 1). Also emitted as
     * 'history'.
     * @param {HistoryQuery} query
     * @returns {Promise<ChatBody[]>}
     */
    history(query: HistoryQuery): Promise<ChatBody[]>;
    /**
     * Fetches (and removes from the server) the messages that arrived while this user was
     * offline (cmd 19 type 0).
     * @returns {Promise<{friends: Record<string, ChatBody[]>, groups: Record<string, ChatBody[]>}>}
     */
    offlineMessages(): Promise<{
        friends: Record<string, ChatBody[]>;
        groups: Record<string, ChatBody[]>;
    }>;
    /**
     * Sends one heartbeat now and resolves when the server answers.
     * @returns {Promise<void>}
     */
    ping(): Promise<void>;
    #private;
}
export type Ack = import("./protocol.js").Ack;
export type ChatBody = import("./protocol.js").ChatBody;
export type ClientOptions = import("./protocol.js").ClientOptions;
export type ConnectionStatus = import("./protocol.js").ConnectionStatus;
export type HistoryQuery = import("./protocol.js").HistoryQuery;
export type SendOptions = import("./protocol.js").SendOptions;
export type StatusEvent = import("./protocol.js").StatusEvent;
export type User = import("./protocol.js").User;
export type CloseEvent = import("./protocol.js").CloseEvent;
export type MemberEvent = import("./protocol.js").MemberEvent;
export type PresenceEvent = import("./protocol.js").PresenceEvent;
export type Group = import("./protocol.js").Group;
export type ClientEvents = import("./protocol.js").ClientEvents;
/**
 * one request waiting for its reply
 */
export type Pending = {
    /**
     * request command
     */
    cmd: number;
    /**
     * what was sent
     */
    body: any;
    resolve: (value: any) => void;
    reject: (err: JimError) => void;
    timer: ReturnType<typeof setTimeout>;
};
import { ChatType } from './protocol.js';
import { Code } from './protocol.js';
import { Command } from './protocol.js';
import { JimError } from './protocol.js';
export { ChatType, Code, Command, JimError };
