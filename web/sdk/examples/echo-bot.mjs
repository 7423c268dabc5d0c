// @ts-check
// An echo bot in Node: answers every private message with "echo: <content>".
//
//   node examples/echo-bot.mjs ws://127.0.0.1:8888/ bot secret
//
// (Node 20 needs --experimental-websocket; Node 22 and later have WebSocket built in.)
import { JimClient } from '../jim.js';

const [url = 'ws://127.0.0.1:8888/', userId = 'bot', password = 'bot'] = /** @type {any} */ (globalThis).process.argv.slice(2);
const bot = new JimClient({ url, userId, password });

bot.on('chat', async (m) => {
    if (m.chatType !== 2 || m.from === userId) return;  // private messages from others only
    try {
        const ack = await bot.sendPrivate(m.from, `echo: ${m.content ?? ''}`);
        console.log(`${m.from}: ${m.content} -> ${ack.delivered ? 'delivered' : 'offline'}`);
    } catch (e) {
        console.error('could not answer', e);
    }
});
bot.on('status', (s) => console.log('status', s.status));

const me = await bot.connect();
console.log('logged in as', me.userId);
