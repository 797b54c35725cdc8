// Server-sent events over fetch: EventSource cannot send a POST body or an Authorization header.
// Parsing follows the WHATWG "event stream interpretation" rules for the event and data fields.

function parseField(line) {
  const colon = line.indexOf(":");
  if (colon === -1) {
    return [line, ""];
  }
  const value = line.slice(colon + 1);
  return [line.slice(0, colon), value.startsWith(" ") ? value.slice(1) : value];
}

/** Incremental parser: feed it text chunks, it returns the events each chunk completed. */
export class ServerSentEventParser {
  constructor() {
    this.buffer = "";
    this.eventType = "";
    this.dataLines = [];
  }

  feed(text) {
    this.buffer += text;
    const lines = this.buffer.split(/\r\n|\r|\n/);
    // The last piece may be a line cut in the middle, so it waits for the next chunk.
    this.buffer = lines.pop();
    const events = [];
    for (const line of lines) {
      const event = this.processLine(line);
      if (event) {
        events.push(event);
      }
    }
    return events;
  }

  processLine(line) {
    if (line === "") {
      return this.dispatch();
    }
    if (line.startsWith(":")) {
      return null;
    }
    const [field, value] = parseField(line);
    if (field === "event") {
      this.eventType = value;
    } else if (field === "data") {
      this.dataLines.push(value);
    }
    return null;
  }

  dispatch() {
    const hasData = this.dataLines.length > 0;
    const event = { event: this.eventType || "message", data: this.dataLines.join("\n") };
    this.eventType = "";
    this.dataLines = [];
    return hasData ? event : null;
  }
}

/** Yield {event, data} objects from a fetch Response body that streams text/event-stream. */
export async function* readServerSentEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new ServerSentEventParser();
  while (true) {
    const { value, done } = await reader.read();
    if (done) {
      break;
    }
    yield* parser.feed(value);
  }
  // A stream that ends without a trailing blank line still delivers its last event.
  yield* parser.feed("\n\n");
}
