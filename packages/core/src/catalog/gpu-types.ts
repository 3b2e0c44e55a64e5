/** An accelerator the renderer can schedule onto, and what the fit check needs to know about it. */
export interface GpuType {
  readonly name: string;
  readonly memoryGiB: number;
  /** EC2 instance families that carry it (for node selectors and docs) */
  readonly instanceFamilies: readonly string[];
  /** the most of this GPU one node offers; tensor parallelism beyond it would span nodes */
  readonly maxPerNode: number;
}

/** NVIDIA GPUs on EKS-supported EC2 instance families. */
export const GPU_TYPES: readonly GpuType[] = [
  { name: 'T4', memoryGiB: 16, instanceFamilies: ['g4dn'], maxPerNode: 8 },
  { name: 'A10G', memoryGiB: 24, instanceFamilies: ['g5'], maxPerNode: 8 },
  { name: 'L4', memoryGiB: 24, instanceFamilies: ['g6'], maxPerNode: 8 },
  { name: 'L40S', memoryGiB: 48, instanceFamilies: ['g6e'], maxPerNode: 8 },
  { name: 'A100', memoryGiB: 40, instanceFamilies: ['p4d'], maxPerNode: 8 },
  { name: 'A100-80GB', memoryGiB: 80, instanceFamilies: ['p4de'], maxPerNode: 8 },
  { name: 'H100', memoryGiB: 80, instanceFamilies: ['p5'], maxPerNode: 8 },
  { name: 'H200', memoryGiB: 141, instanceFamilies: ['p5e', 'p5en'], maxPerNode: 8 },
];

export function findGpuType(name: string): GpuType | undefined {
  return GPU_TYPES.find((gpu) => gpu.name === name);
}
