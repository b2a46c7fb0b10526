import { messages } from '@electric-sql/pglite';

/**
 * The backend messages of one batch sent to PGlite (pglite-named.ts), read straight from the bytes
 * PGlite's PostgreSQL wrote. PGlite's own protocol parser copies every field of every row into an
 * ArrayBuffer of its own before decoding it, and then builds the rows in a second pass: for a
 * timeline's 20 rows of 50 columns, more time than PostgreSQL takes to run the statement.
 */

export type TypeParser = (value: string, typeId: number) => unknown;

export interface WireResult {
  rows: unknown[];
  fields: { name: string; dataTypeID: number }[];
  affectedRows: number;
}

/** ErrorResponse's field codes, as PGlite's parser names them on its DatabaseError */
const ERROR_FIELDS: Record<string, string> = {
  S: 'severity',
  C: 'code',
  D: 'detail',
  H: 'hint',
  P: 'position',
  p: 'internalPosition',
  q: 'internalQuery',
  W: 'where',
  s: 'schema',
  t: 'table',
  c: 'column',
  d: 'dataType',
  n: 'constraint',
  F: 'file',
  L: 'line',
  R: 'routine',
};

class Reader {
  readonly bytes: Buffer;
  offset = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  int16(): number {
    const value = this.bytes.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  int32(): number {
    const value = this.bytes.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  text(length: number): string {
    const value = this.bytes.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  cstring(): string {
    const end = this.bytes.indexOf(0, this.offset);
    const value = this.bytes.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return value;
  }
}

function databaseError(reader: Reader, end: number, length: number): Error {
  const fields: Record<string, string> = {};
  while (reader.offset < end) {
    const code = String.fromCharCode(reader.bytes[reader.offset++]!);
    if (code === '\0') break;
    fields[code] = reader.cstring();
  }
  const error = new messages.DatabaseError(fields.M ?? 'unknown error', length, 'error');
  for (const [code, name] of Object.entries(ERROR_FIELDS)) (error as unknown as Record<string, unknown>)[name] = fields[code];
  return error;
}

interface Visitor {
  rowDescription?(reader: Reader): void;
  dataRow?(reader: Reader): void;
  parameterDescription?(reader: Reader): void;
  commandComplete?(tag: string): void;
}

/** Calls `visitor` for each message; throws PostgreSQL's first error once the batch is read. */
function visit(bytes: Uint8Array, visitor: Visitor): void {
  const reader = new Reader(bytes);
  let error: Error | undefined;
  while (reader.offset + 5 <= bytes.length) {
    const type = bytes[reader.offset]!;
    const length = reader.bytes.readInt32BE(reader.offset + 1);
    const end = reader.offset + 1 + length;
    reader.offset += 5;
    switch (type) {
      case 0x54: // T
        visitor.rowDescription?.(reader);
        break;
      case 0x44: // D
        visitor.dataRow?.(reader);
        break;
      case 0x74: // t
        visitor.parameterDescription?.(reader);
        break;
      case 0x43: // C
        visitor.commandComplete?.(reader.cstring());
        break;
      case 0x45: // E
        error ??= databaseError(reader, end, length);
        break;
    }
    reader.offset = end;
  }
  if (error) throw error;
}

/** The parameters' type OIDs of a statement described (Describe S). */
export function readParameterTypes(bytes: Uint8Array): number[] {
  const types: number[] = [];
  visit(bytes, {
    parameterDescription(reader) {
      const count = reader.int16();
      for (let i = 0; i < count; i++) types.push(reader.int32());
    },
  });
  return types;
}

const ROW_COUNT_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'COPY', 'MERGE']);

/** The rows of one statement's result, each value parsed by its type's parser (text kept where none). */
export function readResult(bytes: Uint8Array, parserOf: (typeId: number) => TypeParser | undefined, rowMode: 'array' | 'object'): WireResult {
  const result: WireResult = { rows: [], fields: [], affectedRows: 0 };
  let parsers: (TypeParser | undefined)[] = [];
  visit(bytes, {
    rowDescription(reader) {
      const count = reader.int16();
      result.fields = [];
      for (let i = 0; i < count; i++) {
        const name = reader.cstring();
        reader.offset += 6; // table OID, column number
        const dataTypeID = reader.int32();
        reader.offset += 8; // type size, modifier, format
        result.fields.push({ name, dataTypeID });
      }
      parsers = result.fields.map((field) => parserOf(field.dataTypeID));
    },
    dataRow(reader) {
      const count = reader.int16();
      const values: unknown[] = new Array(count);
      for (let i = 0; i < count; i++) {
        const length = reader.int32();
        if (length < 0) {
          values[i] = null;
          continue;
        }
        const text = reader.text(length);
        const parse = parsers[i];
        values[i] = parse ? parse(text, result.fields[i]!.dataTypeID) : text;
      }
      if (rowMode === 'array') result.rows.push(values);
      else result.rows.push(Object.fromEntries(result.fields.map((field, i) => [field.name, values[i]])));
    },
    commandComplete(tag) {
      const words = tag.split(' ');
      if (ROW_COUNT_COMMANDS.has(words[0]!)) result.affectedRows += Number(words.at(-1)) || 0;
    },
  });
  return result;
}
