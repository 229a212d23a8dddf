/**
 * One unmasked, final, binary websocket frame (RFC 6455 §5.2) holding `data`. A message for
 * many clients is framed once and the same bytes written to every socket: per recipient that
 * is one socket write, where `ws.send` would allocate a header, an options object, a frame
 * list and two buffered writes, which at 500 clients was most of the server's garbage.
 */
export function binaryFrame(data: Uint8Array): Buffer {
  const n = data.byteLength;
  const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x82; // FIN + opcode 2 (binary)
  if (n < 126) frame[1] = n;
  else if (n < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    frame.writeUInt32BE(n >>> 0, 6);
  }
  frame.set(data, head);
  return frame;
}
