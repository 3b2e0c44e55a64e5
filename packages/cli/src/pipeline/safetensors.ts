/** One tensor to write: its name, element type, shape and raw little-endian bytes. */
export interface Tensor {
  readonly name: string;
  readonly dtype: 'BF16' | 'F16' | 'F32';
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

const BYTES_PER_ELEMENT: Readonly<Record<Tensor['dtype'], number>> = { BF16: 2, F16: 2, F32: 4 };

/**
 * A safetensors file: an 8-byte little-endian header length, a JSON header (tensors in the given
 * order, padded with spaces to 8-byte alignment as the reference writer does), then the tensor bytes.
 */
export function encodeSafetensors(tensors: readonly Tensor[], metadata: Readonly<Record<string, string>> = { format: 'pt' }): Buffer {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const tensor of tensors) {
    const expected = tensor.shape.reduce((product, dim) => product * dim, 1) * BYTES_PER_ELEMENT[tensor.dtype];
    if (tensor.data.length !== expected) throw new Error(`tensor ${tensor.name}: ${tensor.data.length} bytes for shape [${tensor.shape.join(', ')}] of ${tensor.dtype}, expected ${expected}`);
    header[tensor.name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + tensor.data.length] };
    offset += tensor.data.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([length, Buffer.from(json), ...tensors.map((tensor) => tensor.data)]);
}
