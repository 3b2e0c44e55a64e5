/**
 * The GPU workers' init step (the seed's Pod Identity check, made to fail fast): before vLLM starts,
 * `sts:GetCallerIdentity` must name the reader role of render-settings.yaml, the staged prefix must
 * hold objects and the staging completion manifest must be readable; otherwise the pod stops with
 * one line saying what to fix.
 *
 * The check is serve/'s `ray_gitops_serve.model_access_check`, installed in the serving image with
 * the Serve application (boto3 comes with the Run:ai streamer's s3 extra). It reads MODEL_SOURCE,
 * MODEL_MANIFEST, AWS_REGION, EXPECTED_ROLE_NAME, EXPECTED_ROLE_ARN, SERVICE_ACCOUNT and POD_NAMESPACE.
 */
export const MODEL_ACCESS_CHECK_MODULE = 'ray_gitops_serve.model_access_check';

export const MODEL_ACCESS_CHECK_COMMAND: readonly string[] = ['python', '-m', MODEL_ACCESS_CHECK_MODULE];

/** What the check expects `sts:GetCallerIdentity` to say; absent: the identity is not checked. */
export interface ExpectedRole {
  readonly roleName: string;
  readonly roleARN?: string;
}

/** The init container's environment variables that name the expected role. */
export function expectedRoleEnv(role: ExpectedRole | undefined): { name: string; value: string }[] {
  if (!role) return [];
  return [
    { name: 'EXPECTED_ROLE_NAME', value: role.roleName },
    ...(role.roleARN ? [{ name: 'EXPECTED_ROLE_ARN', value: role.roleARN }] : []),
  ];
}
