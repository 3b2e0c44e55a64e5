/**
 * The upstream CustomResourceDefinitions the rendered tree is validated against, each pinned to the
 * release commit of the version the pipeline targets and to the sha256 of its bytes. One list for the
 * pull-request workflow (projenrc/workflows.ts fetches these) and `ray-gitops schemas fetch`.
 * This module imports nothing, so the projen configuration can load it as it is.
 */
export interface UpstreamCrd {
  /** the file name in the schema cache (and in the upstream repository) */
  readonly file: string;
  /** group/Kind it defines, for messages */
  readonly kind: string;
  /** the raw file at the release commit */
  readonly url: string;
  /** lowercase hex SHA-256 of the file */
  readonly sha256: string;
}

const raw = (repository: string, commit: string, path: string) => `https://raw.githubusercontent.com/${repository}/${commit}/${path}`;

/** KubeRay v1.7.0 */
const KUBERAY = '59d663aeec13760646da3db9c1cf8cfe883e30b7';
/** kro v0.9.3 */
const KRO = '035e5cc5e51c76dc7d753bc410e8bba469df6042';
/** Argo CD v3.5.1 (stable) */
const ARGO_CD = '109ca7ca71139e514114499d294a492e7910a965';
/** ACK EKS controller v1.20.0 */
const ACK_EKS = 'fcb7569892f50d390e3d3e7127aa1f1a96fe6b4c';
/** Gateway API v1.6.1, standard channel */
const GATEWAY_API = '8bb74df00e56ec8f944d48c25e6c1c9c2f6848e3';
/** prometheus-operator v0.93.0 */
const PROMETHEUS_OPERATOR = 'f8fafd475f3d132e239432ae6172de60a6cb6516';

export const UPSTREAM_CRDS: readonly UpstreamCrd[] = [
  {
    file: 'ray.io_rayservices.yaml',
    kind: 'ray.io/RayService',
    url: raw('ray-project/kuberay', KUBERAY, 'helm-chart/kuberay-operator/crds/ray.io_rayservices.yaml'),
    sha256: '0a8fc325e6e22b9231c1f282b309555e2ecf94227ca20a03df3d1d9a403907ab',
  },
  {
    file: 'ray.io_rayclusters.yaml',
    kind: 'ray.io/RayCluster',
    url: raw('ray-project/kuberay', KUBERAY, 'helm-chart/kuberay-operator/crds/ray.io_rayclusters.yaml'),
    sha256: 'c44704442eef0c6721ad40c1d66782c8bd3fdab9d3344306a5820910a679baa1',
  },
  {
    file: 'kro.run_resourcegraphdefinitions.yaml',
    kind: 'kro.run/ResourceGraphDefinition',
    url: raw('kubernetes-sigs/kro', KRO, 'helm/crds/kro.run_resourcegraphdefinitions.yaml'),
    sha256: '6da09229671958487595211e370187a51a7a8ed48de5b5261c361fd067eea610',
  },
  {
    file: 'application-crd.yaml',
    kind: 'argoproj.io/Application',
    url: raw('argoproj/argo-cd', ARGO_CD, 'manifests/crds/application-crd.yaml'),
    sha256: '5dde0e229249b6b707beb98674c1deae3949d5c319a6c45b9f5a80c99618e40c',
  },
  {
    file: 'applicationset-crd.yaml',
    kind: 'argoproj.io/ApplicationSet',
    url: raw('argoproj/argo-cd', ARGO_CD, 'manifests/crds/applicationset-crd.yaml'),
    sha256: '7d282054f41ca2b71a22bab04a8caf0000e07e53a62432e6ea292dae5ab4f07d',
  },
  {
    file: 'eks.services.k8s.aws_podidentityassociations.yaml',
    kind: 'eks.services.k8s.aws/PodIdentityAssociation',
    url: raw('aws-controllers-k8s/eks-controller', ACK_EKS, 'helm/crds/eks.services.k8s.aws_podidentityassociations.yaml'),
    sha256: '0b1ff4d0e7240280b88374270cc5543a4cd994a60ae37c204561f10d77f7908f',
  },
  {
    file: 'gateway.networking.k8s.io_httproutes.yaml',
    kind: 'gateway.networking.k8s.io/HTTPRoute',
    url: raw('kubernetes-sigs/gateway-api', GATEWAY_API, 'config/crd/standard/gateway.networking.k8s.io_httproutes.yaml'),
    sha256: 'a424a0d6c953b162e71d1d97bb7e75012d8f1ac264e7274f2763d1b96ab39852',
  },
  {
    file: 'gateway.networking.k8s.io_gateways.yaml',
    kind: 'gateway.networking.k8s.io/Gateway',
    url: raw('kubernetes-sigs/gateway-api', GATEWAY_API, 'config/crd/standard/gateway.networking.k8s.io_gateways.yaml'),
    sha256: '25b885f5870b8fff1ae82efa2628b2761cef3745900c2aecf8fb76629a01255a',
  },
  {
    file: 'gateway.networking.k8s.io_referencegrants.yaml',
    kind: 'gateway.networking.k8s.io/ReferenceGrant',
    url: raw('kubernetes-sigs/gateway-api', GATEWAY_API, 'config/crd/standard/gateway.networking.k8s.io_referencegrants.yaml'),
    sha256: '8c645e9333cfa67790cc2a53e0c00076f88b2bd4230d2b49688c78bc34f9b2c3',
  },
  {
    file: 'monitoring.coreos.com_podmonitors.yaml',
    kind: 'monitoring.coreos.com/PodMonitor',
    url: raw('prometheus-operator/prometheus-operator', PROMETHEUS_OPERATOR, 'example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml'),
    sha256: '45a93443daa687d3654f7e9631909ff7edcdf3ec09c5e60251b74aa2722aee5d',
  },
  {
    file: 'monitoring.coreos.com_servicemonitors.yaml',
    kind: 'monitoring.coreos.com/ServiceMonitor',
    url: raw('prometheus-operator/prometheus-operator', PROMETHEUS_OPERATOR, 'example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml'),
    sha256: 'a99047972c9dd7679ce2050b9968e8a08773492e671b3e17abd476d42aa78a32',
  },
];
