/** An accelerator the renderer can schedule onto, and what the fit check needs to know about it. */
export interface GpuType {
  /** the name catalog entries use (`serving.gpu.type`) */
  readonly name: string;
  /** other spellings people use for the same GPU; findGpuType accepts them */
  readonly aliases?: readonly string[];
  /** marketing size in GiB, as instance-type tables list it */
  readonly memoryGiB: number;
  /** what CUDA reports as total memory (nvidia-smi), in MiB; vLLM's budget is a fraction of this (default memoryGiB × 1024) */
  readonly memoryMiB?: number;
  /** EC2 instance families that carry it (for node selectors and docs) */
  readonly instanceFamilies: readonly string[];
  /** the most of this GPU one node offers; tensor parallelism beyond it would span nodes */
  readonly maxPerNode: number;
  /** node labels that select a node with this GPU, by labelling scheme */
  readonly nodeLabels?: Readonly<Record<GpuNodeLabelScheme, Readonly<Record<string, string>>>>;
  /**
   * CPU and memory a Ray worker requests per GPU: what the smallest instance of the family leaves
   * after kubelet and daemonset reservations, so one GPU always fits its node (default 3 CPU, 12 GiB).
   */
  readonly workerPerGpu?: { readonly cpu: number; readonly memoryGiB: number };
}

/**
 * How GPU nodes are labelled in the cluster:
 * - `karpenter`: Karpenter's well-known labels (`karpenter.k8s.aws/instance-gpu-name`, …)
 * - `eks-auto-mode`: EKS Auto Mode's labels (`eks.amazonaws.com/instance-gpu-name`, …)
 * - `nvidia-gfd`: NVIDIA GPU Feature Discovery (`nvidia.com/gpu.product`), as the GPU operator sets it
 */
export type GpuNodeLabelScheme = 'karpenter' | 'eks-auto-mode' | 'nvidia-gfd';

export const GPU_NODE_LABEL_SCHEMES: readonly GpuNodeLabelScheme[] = ['karpenter', 'eks-auto-mode', 'nvidia-gfd'];

/** Labels for a GPU by its lowercase EC2 name, its per-GPU memory in MiB (as EC2 lists it) and its GFD product name. */
function labels(gpuName: string, gfdProduct: string, memoryMiB?: number): GpuType['nodeLabels'] {
  const memory = memoryMiB === undefined ? {} : { 'instance-gpu-memory': String(memoryMiB) };
  const withPrefix = (prefix: string) =>
    Object.fromEntries(Object.entries({ 'instance-gpu-name': gpuName, ...memory }).map(([key, value]) => [`${prefix}/${key}`, value]));
  return {
    'karpenter': withPrefix('karpenter.k8s.aws'),
    'eks-auto-mode': withPrefix('eks.amazonaws.com'),
    'nvidia-gfd': { 'nvidia.com/gpu.product': gfdProduct },
  };
}

/** NVIDIA GPUs on EKS-supported EC2 instance families. */
export const GPU_TYPES: readonly GpuType[] = [
  {
    name: 'T4',
    memoryGiB: 16,
    memoryMiB: 15360,
    instanceFamilies: ['g4dn'],
    maxPerNode: 8,
    nodeLabels: labels('t4', 'Tesla-T4'),
    workerPerGpu: { cpu: 3, memoryGiB: 12 },
  },
  {
    name: 'A10G',
    memoryGiB: 24,
    memoryMiB: 23028,
    instanceFamilies: ['g5'],
    maxPerNode: 8,
    nodeLabels: labels('a10g', 'NVIDIA-A10G'),
    workerPerGpu: { cpu: 3, memoryGiB: 12 },
  },
  {
    name: 'L4',
    memoryGiB: 24,
    memoryMiB: 23034,
    instanceFamilies: ['g6'],
    maxPerNode: 8,
    nodeLabels: labels('l4', 'NVIDIA-L4'),
    workerPerGpu: { cpu: 3, memoryGiB: 12 },
  },
  {
    name: 'L40S',
    memoryGiB: 48,
    memoryMiB: 46068,
    instanceFamilies: ['g6e'],
    maxPerNode: 8,
    nodeLabels: labels('l40s', 'NVIDIA-L40S'),
    workerPerGpu: { cpu: 3, memoryGiB: 24 },
  },
  {
    name: 'A100',
    aliases: ['A100-40GB'],
    memoryGiB: 40,
    memoryMiB: 40960,
    instanceFamilies: ['p4d'],
    maxPerNode: 8,
    // p4d and p4de share the GPU name; the memory label tells them apart
    nodeLabels: labels('a100', 'NVIDIA-A100-SXM4-40GB', 40960),
    workerPerGpu: { cpu: 10, memoryGiB: 120 },
  },
  {
    name: 'A100-80GB',
    memoryGiB: 80,
    memoryMiB: 81920,
    instanceFamilies: ['p4de'],
    maxPerNode: 8,
    nodeLabels: labels('a100', 'NVIDIA-A100-SXM4-80GB', 81920),
    workerPerGpu: { cpu: 10, memoryGiB: 120 },
  },
  {
    name: 'H100',
    memoryGiB: 80,
    memoryMiB: 81559,
    instanceFamilies: ['p5'],
    maxPerNode: 8,
    nodeLabels: labels('h100', 'NVIDIA-H100-80GB-HBM3'),
    // p5.4xlarge: 1 GPU, 16 vCPU, 256 GiB
    workerPerGpu: { cpu: 12, memoryGiB: 96 },
  },
  {
    name: 'H200',
    memoryGiB: 141,
    memoryMiB: 143771,
    instanceFamilies: ['p5e', 'p5en'],
    maxPerNode: 8,
    nodeLabels: labels('h200', 'NVIDIA-H200'),
    workerPerGpu: { cpu: 20, memoryGiB: 200 },
  },
  {
    name: 'B200',
    memoryGiB: 179,
    memoryMiB: 183359,
    instanceFamilies: ['p6-b200'],
    maxPerNode: 8,
    nodeLabels: labels('b200', 'NVIDIA-B200'),
    workerPerGpu: { cpu: 20, memoryGiB: 200 },
  },
];

/** Total memory of one GPU in MiB, as CUDA reports it. */
export function gpuMemoryMiB(gpu: GpuType): number {
  return gpu.memoryMiB ?? gpu.memoryGiB * 1024;
}

/** CPU and memory (GiB) a worker requests per GPU. */
export function gpuWorkerPerGpu(gpu: GpuType): { readonly cpu: number; readonly memoryGiB: number } {
  return gpu.workerPerGpu ?? { cpu: 3, memoryGiB: 12 };
}

/** The node selector for this GPU under a labelling scheme (empty when the table has none). */
export function gpuNodeSelector(gpu: GpuType, scheme: GpuNodeLabelScheme): Readonly<Record<string, string>> {
  return gpu.nodeLabels?.[scheme] ?? {};
}

/** The GPU type by its catalog name or one of its aliases (case-sensitive, as the catalog is). */
export function findGpuType(name: string): GpuType | undefined {
  return GPU_TYPES.find((gpu) => gpu.name === name) ?? GPU_TYPES.find((gpu) => gpu.aliases?.includes(name));
}
