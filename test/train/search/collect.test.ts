import { describe, expect, it } from 'vitest';
import { collectAfterTrial } from '../../../src/train/search/collect.js';

describe('collectAfterTrial', () => {
  it('frees the large arrays a finished trial left unreachable', () => {
    let matrix: Float32Array | null = new Float32Array(24 * 1024 * 1024); // 96 MiB
    matrix[matrix.length - 1] = 1;
    const held = process.memoryUsage().arrayBuffers;
    expect(held).toBeGreaterThan(96 * 1024 * 1024);
    matrix = null;
    collectAfterTrial();
    expect(process.memoryUsage().arrayBuffers).toBeLessThan(held - 90 * 1024 * 1024);
  });
});
