/**
 * The workers' init step (the seed's Pod Identity check, made to fail fast): before vLLM starts, check
 * with the pod's own identity that the model prefix has objects and that the staging completion
 * manifest is readable, and exit with one sentence saying what is wrong and what to do.
 *
 * Runs `python -c` in the serving image (boto3 comes with the Run:ai streamer's s3 extra). Reads
 * MODEL_SOURCE, MODEL_MANIFEST, AWS_REGION, SERVICE_ACCOUNT and POD_NAMESPACE. It must never contain
 * a dollar sign followed by a brace: kro would take it for an expression.
 */
export const MODEL_ACCESS_CHECK_SCRIPT = String.raw`import json, os, sys
source = os.environ.get("MODEL_SOURCE", "")
manifest = os.environ.get("MODEL_MANIFEST", "")
region = os.environ.get("AWS_REGION", "")
who = os.environ.get("POD_NAMESPACE", "?") + "/" + os.environ.get("SERVICE_ACCOUNT", "?")
def fail(message):
    print("ray-gitops model check: " + message, file=sys.stderr, flush=True)
    sys.exit(1)
if not source.startswith("s3://"):
    print("ray-gitops model check: " + (source or "no source") + " is not in S3; nothing to check", flush=True)
    sys.exit(0)
try:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
except ImportError:
    fail("boto3 is not in the image; rebuild the image from docker/ (the Run:ai streamer's s3 extra installs it)")
def split(uri):
    bucket, _, key = uri[len("s3://"):].partition("/")
    return bucket, key
bucket, prefix = split(source)
step = "list " + source
try:
    s3 = boto3.client("s3", region_name=region or None)
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
    if listed.get("KeyCount", 0) == 0:
        fail(source + " holds no objects, so the model is not staged there; stage it with 'ray-gitops prestage' or correct model.source")
    if manifest:
        step = "read " + manifest
        manifest_bucket, manifest_key = split(manifest)
        json.loads(s3.get_object(Bucket=manifest_bucket, Key=manifest_key)["Body"].read())
except NoCredentialsError:
    fail("the pod has no AWS credentials; associate service account " + who + " with an IAM role through EKS Pod Identity (and install the eks-pod-identity-agent add-on)")
except ClientError as error:
    code = error.response.get("Error", {}).get("Code", "")
    if code in ("AccessDenied", "403", "AllAccessDisabled", "InvalidAccessKeyId", "ExpiredToken", "InvalidToken"):
        fail("service account " + who + " may not " + step + " (" + code + "); give its Pod Identity role s3:ListBucket on bucket " + bucket + " and s3:GetObject on " + source + "*" + (" and on the manifest" if manifest else ""))
    if code in ("NoSuchKey", "404"):
        fail("the completion manifest " + manifest + " does not exist, so staging of " + source + " did not finish; re-run 'ray-gitops prestage' for this model")
    if code == "NoSuchBucket":
        fail("bucket " + bucket + " does not exist in region " + (region or "(AWS_REGION unset)") + "; check model.source and the region")
    fail("cannot " + step + ": " + code + " " + str(error))
except (BotoCoreError, ValueError) as error:
    fail("cannot " + step + ": " + str(error))
print("ray-gitops model check: " + source + (" and " + manifest if manifest else "") + " are readable as " + who, flush=True)
`;
