// @ts-check
// Prints the last messages of a private conversation and of a group, then closes.
//
//   node examples/history.mjs ws://127.0.0.1:8888/ alice secret bob team
import { JimClient } from '../jim.js';

const [url = 'ws://127.0.0.1:8888/', userId = 'alice', password = 'x', peer = 'bob',
    group = ''] = /** @type {any} */ (globalThis).process.argv.slice(2);
const client = new JimClient({ url, userId, password, reconnect: false });
await client.connect();

for (const m of await client.history({ peer })) {
    console.log(new Date(m.createTime).toISOString(), `${m.from}: ${m.content}`);
}
if (group) {
    await client.joinGroup(group);
    for (const m of await client.history({ groupId: group })) {
        console.log(new Date(m.createTime).toISOString(), `[${group}] ${m.from}: ${m.content}`);
    }
}
client.close();
