// Test support: gathers ICE candidates through the given TURN servers only, as a peer does before it links, and
// prints them as one JSON line: `node gather-relay.mjs '<iceServers as JSON>' [timeoutMs]`. Run in a network
// namespace, it shows what a peer there gets from the TURN server: a relay candidate, or an error when it is refused.
// It stops at the first relay candidate, a second after an error, when gathering completes, or at the timeout.
import wrtc from '@roamhq/wrtc';

const [iceServersJson, timeoutArgument = '5000'] = process.argv.slice(2);
if (iceServersJson === undefined) {
  console.error('Give the ICE servers as JSON: node gather-relay.mjs \'[{"urls":[...],...}]\' [timeoutMs]');
  process.exit(2);
}
const iceServers = JSON.parse(iceServersJson);
const timeoutMs = Number(timeoutArgument);

const connection = new wrtc.RTCPeerConnection({ iceServers, iceTransportPolicy: 'relay' });
/** @type {string[]} */
const candidates = [];
/** @type {{ url: string, errorCode: number, errorText: string }[]} */
const errors = [];
const started = Date.now();
const finished = new Promise((resolve) => {
  const timer = setTimeout(() => resolve('timeout'), timeoutMs);
  const end = (/** @type {string} */ why) => {
    clearTimeout(timer);
    resolve(why);
  };
  connection.onicecandidate = (event) => {
    const candidate = event.candidate?.candidate;
    if (!candidate) return end('complete');
    candidates.push(candidate);
    if (/ typ relay /.test(candidate)) end('relay');
  };
  // A refusal is final, but a second thought of the TURN server's would still show: a moment's grace after it.
  connection.onicecandidateerror = (event) => {
    errors.push({ url: event.url, errorCode: event.errorCode, errorText: event.errorText });
    setTimeout(() => end('error'), 1000);
  };
});
connection.createDataChannel('probe');
await connection.setLocalDescription(await connection.createOffer());
const ended = await finished;
connection.close();
process.stdout.write(`${JSON.stringify({ ended, ms: Date.now() - started, candidates, errors })}\n`);
// wrtc's threads keep the process alive after close.
process.exit(0);
