// OTLP protobuf for finished spans (an ExportTraceServiceRequest): byte for byte what
// @opentelemetry/otlp-transformer's ProtobufTraceSerializer writes (span-protobuf.test.ts compares
// them), in half the CPU or less. The app's spans copy whole conversations into their attributes,
// and encoding them is most of what tracing costs the app (`npm run bench`); a batch is encoded on
// the event loop, all at once, so no request is served meanwhile.
// What differs is how: the official writer walks every string in JavaScript three times (to
// estimate its size, to check it is ASCII, to copy it, or through TextEncoder into a temporary
// array) and shifts each message once its length is known. Here the first pass measures every
// length-delimited field and notes the lengths in order; the second writes into a buffer of the
// exact size, taking those lengths in the same order; long strings go through Node's native
// UTF-8 (Buffer.byteLength, buffer.write). Anything unexpected makes it throw, and the exporter
// (otlp-exporter.ts) falls back to the official serializer.
import type { Attributes, AttributeValue, HrTime } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";

type Resource = ReadableSpan["resource"];
type Scope = ReadableSpan["instrumentationScope"];

const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;
const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

/** The request for `spans`, grouped by resource and by scope in the order met, as the official serializer groups them. */
export function encodeSpans(spans: readonly ReadableSpan[]): Uint8Array {
  const groups = groupByResourceAndScope(spans);
  const lengths: number[] = [];
  const measure = new Measure(lengths);
  let size = 0;
  for (const [resource, scopes] of groups) size += 1 + measure.message(() => measure.resourceSpans(resource, scopes));
  const writer = new Writer(Buffer.allocUnsafe(size), lengths);
  for (const [resource, scopes] of groups) {
    writer.tag(1, 2);
    writer.message(() => writer.resourceSpans(resource, scopes));
  }
  if (writer.pos !== size || writer.lengthsRead !== lengths.length) {
    throw new Error(`span-protobuf: wrote ${writer.pos} bytes of ${size} measured, took ${writer.lengthsRead} lengths of ${lengths.length}`);
  }
  return writer.buffer;
}

function groupByResourceAndScope(spans: readonly ReadableSpan[]): Map<Resource, Map<Scope, ReadableSpan[]>> {
  const groups = new Map<Resource, Map<Scope, ReadableSpan[]>>();
  for (const span of spans) {
    let scopes = groups.get(span.resource);
    if (!scopes) groups.set(span.resource, (scopes = new Map()));
    let list = scopes.get(span.instrumentationScope);
    if (!list) scopes.set(span.instrumentationScope, (list = []));
    list.push(span);
  }
  return groups;
}

function varintSize(value: number): number {
  if (value < 0) return 10;
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  if (value < 0x800000000) return 5;
  if (value < 0x40000000000) return 6;
  if (value < 0x2000000000000) return 7;
  if (value < 0x100000000000000) return 8;
  return 9;
}

/** Strings shorter than this are measured and copied in JavaScript; longer ones by Node's native UTF-8. */
const SHORT = 64;

/** UTF-8 bytes of `text`, lone surrogates counted as U+FFFD (3 bytes), as TextEncoder and Buffer write them. */
function utf8Length(text: string): number {
  const length = text.length;
  if (length >= SHORT) return Buffer.byteLength(text, "utf8");
  let bytes = 0;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code < 0xdc00 && i + 1 < length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair
      i++;
    } else bytes += 3; // the rest of the BMP, and a lone surrogate (written as U+FFFD)
  }
  return bytes;
}

const tagSize = (field: number) => (field < 16 ? 1 : 2);
const spanFlags = (traceFlags: number, isRemote: boolean | undefined) => (traceFlags & 0xff) | HAS_IS_REMOTE | (isRemote ? IS_REMOTE : 0);
const isInt64 = (value: number) => Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64;

/** Pass 1: sizes. Each length-delimited field and string notes its length in `lengths`, in the order pass 2 writes them. */
class Measure {
  constructor(private readonly lengths: number[]) {}

  /** the size of a length-delimited field's content plus its length prefix (not its tag) */
  message(content: () => number): number {
    const slot = this.lengths.length;
    this.lengths.push(0);
    const size = content();
    this.lengths[slot] = size;
    return varintSize(size) + size;
  }

  string(text: string): number {
    const bytes = utf8Length(text);
    this.lengths.push(bytes);
    return varintSize(bytes) + bytes;
  }

  resourceSpans(resource: Resource, scopes: Map<Scope, ReadableSpan[]>): number {
    let size = 1 + this.message(() => this.attributes(resource.attributes, 1) + 2); // resource: attributes, dropped count 0
    for (const [scope, spans] of scopes) size += 1 + this.message(() => this.scopeSpans(scope, spans));
    if (resource.schemaUrl) size += 1 + this.string(resource.schemaUrl);
    return size;
  }

  scopeSpans(scope: Scope, spans: ReadableSpan[]): number {
    let size = 1 + this.message(() => {
      let scopeSize = 1 + this.string(scope.name);
      if (scope.version) scopeSize += 1 + this.string(scope.version);
      const { attributes, droppedAttributesCount } = scope as Scope & { attributes?: Attributes; droppedAttributesCount?: number };
      if (attributes) scopeSize += this.attributes(attributes, 3);
      if (droppedAttributesCount) scopeSize += 1 + varintSize(droppedAttributesCount);
      return scopeSize;
    });
    for (const span of spans) size += 1 + this.message(() => this.span(span));
    if (scope.schemaUrl) size += 1 + this.string(scope.schemaUrl);
    return size;
  }

  span(span: ReadableSpan): number {
    const context = span.spanContext();
    let size = 2 + 16 + 2 + 8; // trace id, span id (bytes with their lengths)
    const traceState = context.traceState?.serialize();
    if (traceState) size += 1 + this.string(traceState);
    if (span.parentSpanContext?.spanId) size += 2 + 8;
    size += 1 + this.string(span.name);
    if (span.kind != null && span.kind + 1 !== 0) size += 1 + varintSize(span.kind + 1);
    size += 9 + 9; // start and end times
    if (span.attributes) size += this.attributes(span.attributes, 9);
    size += 1 + varintSize(span.droppedAttributesCount);
    for (const event of span.events) {
      size += 1 + this.message(() => {
        let eventSize = 9 + 1 + this.string(event.name);
        if (event.attributes) eventSize += this.attributes(event.attributes, 3);
        return eventSize + 1 + varintSize(event.droppedAttributesCount || 0);
      });
    }
    size += 1 + varintSize(span.droppedEventsCount);
    for (const link of span.links) {
      size += 1 + this.message(() => {
        let linkSize = 2 + 16 + 2 + 8;
        const linkTraceState = link.context.traceState?.serialize();
        if (linkTraceState) linkSize += 1 + this.string(linkTraceState);
        if (link.attributes) linkSize += this.attributes(link.attributes, 4);
        return linkSize + 1 + varintSize(link.droppedAttributesCount || 0) + 1 + 4;
      });
    }
    size += 1 + varintSize(span.droppedLinksCount);
    size += 1 + this.message(() => (span.status.message ? 1 + this.string(span.status.message) : 0) + 1 + varintSize(span.status.code));
    return size + tagSize(16) + 4; // flags
  }

  attributes(attributes: Attributes, field: number): number {
    const lengths = this.lengths;
    let size = 0;
    for (const key in attributes) {
      if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
      const value = attributes[key];
      // KeyValue { key, value: AnyValue }, the common case (a string value) without closures
      const slot = lengths.length;
      lengths.push(0);
      const keyBytes = utf8Length(key);
      lengths.push(keyBytes);
      let valueSize: number;
      if (typeof value === "string") {
        const valueBytes = utf8Length(value);
        lengths.push(varintSize(valueBytes) + valueBytes + 1, valueBytes);
        valueSize = 1 + varintSize(valueBytes) + valueBytes;
      } else {
        const valueSlot = lengths.length;
        lengths.push(0);
        valueSize = this.anyValue(value);
        lengths[valueSlot] = valueSize;
      }
      const keyValueSize = 1 + varintSize(keyBytes) + keyBytes + 1 + varintSize(valueSize) + valueSize;
      lengths[slot] = keyValueSize;
      size += tagSize(field) + varintSize(keyValueSize) + keyValueSize;
    }
    return size;
  }

  anyValue(value: unknown): number {
    if (typeof value === "string") return 1 + this.string(value);
    if (typeof value === "boolean") return 2;
    if (typeof value === "number") return isInt64(value) ? 1 + varintSize(value) : 9;
    if (value instanceof Uint8Array) return 1 + varintSize(value.length) + value.length;
    if (Array.isArray(value)) {
      return 1 + this.message(() => {
        let size = 0;
        for (const item of value) size += 1 + this.message(() => this.anyValue(item));
        return size;
      });
    }
    if (typeof value === "object" && value !== null) {
      return 1 + this.message(() => {
        let size = 0;
        for (const key in value) {
          if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
          const item = (value as Record<string, unknown>)[key];
          size += 1 + this.message(() => 1 + this.string(key) + 1 + this.message(() => this.anyValue(item)));
        }
        return size;
      });
    }
    return 0;
  }
}

/** Pass 2: bytes, into a buffer of exactly the measured size. */
class Writer {
  pos = 0;
  private next = 0;

  get lengthsRead(): number {
    return this.next;
  }

  constructor(
    readonly buffer: Buffer,
    private readonly lengths: number[],
  ) {}

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  /** The same varint as otlp-transformer's writer, negative numbers (10 bytes) included. */
  varint(value: number): void {
    const buffer = this.buffer;
    if (value >= 0 && value <= 0xffffffff) {
      let v = value >>> 0;
      while (v > 0x7f) {
        buffer[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buffer[this.pos++] = v;
      return;
    }
    let low: number;
    let high: number;
    if (value >= 0) {
      low = value >>> 0;
      high = (value / 0x100000000) >>> 0;
    } else {
      const abs = Math.abs(value);
      low = ~(abs >>> 0) >>> 0;
      high = ~((abs / 0x100000000) >>> 0) >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    while (high > 0 || low > 0x7f) {
      buffer[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buffer[this.pos++] = low & 0x7f;
  }

  fixed32(value: number): void {
    this.buffer.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  /** nanoseconds since the epoch, as otlp-transformer computes them from [seconds, nanos] */
  time([seconds, nanos]: HrTime): void {
    const fromLow16 = (seconds & 0xffff) * 1e9;
    const fromHigh = ((seconds / 0x10000) >>> 0) * 1e9;
    const lowWithCarry = (fromLow16 >>> 0) + (((fromHigh & 0xffff) * 0x10000) >>> 0) + nanos;
    const high = (Math.floor(fromLow16 / 0x100000000) + ((fromHigh / 0x10000) >>> 0) + Math.floor(lowWithCarry / 0x100000000)) >>> 0;
    this.buffer.writeUInt32LE(lowWithCarry >>> 0, this.pos);
    this.buffer.writeUInt32LE(high, this.pos + 4);
    this.pos += 8;
  }

  message(content: () => void): void {
    this.varint(this.lengths[this.next++]!);
    content();
  }

  string(text: string): void {
    const bytes = this.lengths[this.next++]!;
    this.varint(bytes);
    if (bytes === text.length && bytes < SHORT) {
      // ASCII (as many bytes as characters), short: a loop is cheaper than a call into C++
      const buffer = this.buffer;
      for (let i = 0; i < bytes; i++) buffer[this.pos++] = text.charCodeAt(i);
    } else {
      this.pos += this.buffer.write(text, this.pos, bytes, "utf8");
    }
  }

  hexId(id: string): void {
    this.varint(id.length / 2);
    this.pos += this.buffer.write(id, this.pos, id.length / 2, "hex");
  }

  resourceSpans(resource: Resource, scopes: Map<Scope, ReadableSpan[]>): void {
    this.tag(1, 2);
    this.message(() => {
      this.attributes(resource.attributes, 1);
      this.tag(2, 0);
      this.varint(0);
    });
    for (const [scope, spans] of scopes) {
      this.tag(2, 2);
      this.message(() => this.scopeSpans(scope, spans));
    }
    if (resource.schemaUrl) {
      this.tag(3, 2);
      this.string(resource.schemaUrl);
    }
  }

  scopeSpans(scope: Scope, spans: ReadableSpan[]): void {
    this.tag(1, 2);
    this.message(() => {
      this.tag(1, 2);
      this.string(scope.name);
      if (scope.version) {
        this.tag(2, 2);
        this.string(scope.version);
      }
      const { attributes, droppedAttributesCount } = scope as Scope & { attributes?: Attributes; droppedAttributesCount?: number };
      if (attributes) this.attributes(attributes, 3);
      if (droppedAttributesCount) {
        this.tag(4, 0);
        this.varint(droppedAttributesCount);
      }
    });
    for (const span of spans) {
      this.tag(2, 2);
      this.message(() => this.span(span));
    }
    if (scope.schemaUrl) {
      this.tag(3, 2);
      this.string(scope.schemaUrl);
    }
  }

  span(span: ReadableSpan): void {
    const context = span.spanContext();
    this.tag(1, 2);
    this.hexId(context.traceId);
    this.tag(2, 2);
    this.hexId(context.spanId);
    const traceState = context.traceState?.serialize();
    if (traceState) {
      this.tag(3, 2);
      this.string(traceState);
    }
    if (span.parentSpanContext?.spanId) {
      this.tag(4, 2);
      this.hexId(span.parentSpanContext.spanId);
    }
    this.tag(5, 2);
    this.string(span.name);
    if (span.kind != null && span.kind + 1 !== 0) {
      this.tag(6, 0);
      this.varint(span.kind + 1);
    }
    this.tag(7, 1);
    this.time(span.startTime);
    this.tag(8, 1);
    this.time(span.endTime);
    if (span.attributes) this.attributes(span.attributes, 9);
    this.tag(10, 0);
    this.varint(span.droppedAttributesCount);
    for (const event of span.events) {
      this.tag(11, 2);
      this.message(() => {
        this.tag(1, 1);
        this.time(event.time);
        this.tag(2, 2);
        this.string(event.name);
        if (event.attributes) this.attributes(event.attributes, 3);
        this.tag(4, 0);
        this.varint(event.droppedAttributesCount || 0);
      });
    }
    this.tag(12, 0);
    this.varint(span.droppedEventsCount);
    for (const link of span.links) {
      this.tag(13, 2);
      this.message(() => {
        this.tag(1, 2);
        this.hexId(link.context.traceId);
        this.tag(2, 2);
        this.hexId(link.context.spanId);
        const linkTraceState = link.context.traceState?.serialize();
        if (linkTraceState) {
          this.tag(3, 2);
          this.string(linkTraceState);
        }
        if (link.attributes) this.attributes(link.attributes, 4);
        this.tag(5, 0);
        this.varint(link.droppedAttributesCount || 0);
        this.tag(6, 5);
        this.fixed32(spanFlags(link.context.traceFlags, link.context.isRemote));
      });
    }
    this.tag(14, 0);
    this.varint(span.droppedLinksCount);
    this.tag(15, 2);
    this.message(() => {
      if (span.status.message) {
        this.tag(2, 2);
        this.string(span.status.message);
      }
      this.tag(3, 0);
      this.varint(span.status.code);
    });
    this.tag(16, 5);
    this.fixed32(spanFlags(context.traceFlags, span.parentSpanContext?.isRemote));
  }

  attributes(attributes: Attributes, field: number): void {
    const tag = (field << 3) | 2;
    for (const key in attributes) {
      if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
      const value = attributes[key];
      this.varint(tag);
      this.varint(this.lengths[this.next++]!); // KeyValue
      this.buffer[this.pos++] = (1 << 3) | 2;
      this.string(key);
      this.buffer[this.pos++] = (2 << 3) | 2;
      this.varint(this.lengths[this.next++]!); // AnyValue
      this.anyValue(value);
    }
  }

  anyValue(value: AttributeValue | unknown): void {
    if (typeof value === "string") {
      this.tag(1, 2);
      this.string(value);
    } else if (typeof value === "boolean") {
      this.tag(2, 0);
      this.varint(value ? 1 : 0);
    } else if (typeof value === "number") {
      if (isInt64(value)) {
        this.tag(3, 0);
        this.varint(value);
      } else {
        this.tag(4, 1);
        this.buffer.writeDoubleLE(value, this.pos);
        this.pos += 8;
      }
    } else if (value instanceof Uint8Array) {
      this.tag(7, 2);
      this.varint(value.length);
      this.buffer.set(value, this.pos);
      this.pos += value.length;
    } else if (Array.isArray(value)) {
      this.tag(5, 2);
      this.message(() => {
        for (const item of value) {
          this.tag(1, 2);
          this.message(() => this.anyValue(item));
        }
      });
    } else if (typeof value === "object" && value !== null) {
      this.tag(6, 2);
      this.message(() => {
        for (const key in value) {
          if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
          const item = (value as Record<string, unknown>)[key];
          this.tag(1, 2);
          this.message(() => {
            this.tag(1, 2);
            this.string(key);
            this.tag(2, 2);
            this.message(() => this.anyValue(item));
          });
        }
      });
    }
  }
}
