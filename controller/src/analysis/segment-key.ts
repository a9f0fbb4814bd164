/**
 * The integer key of a segment (and of an end-to-end total, a VM turnaround, a round trip) in
 * the statistics (stats-window.ts): (direction * width + from position) * width + to position,
 * width = PathModel.width. The matcher's hot path computes it inline with the same formula.
 */
export function segmentKey(direction: number, from: number, to: number, width: number): number {
  return (direction * width + from) * width + to;
}

export function directionOfKey(key: number, width: number): number {
  return Math.floor(key / (width * width));
}

export function fromPosOfKey(key: number, width: number): number {
  return Math.floor(key / width) % width;
}

export function toPosOfKey(key: number, width: number): number {
  return key % width;
}
