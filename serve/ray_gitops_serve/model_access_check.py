"""The GPU workers' init check: before vLLM starts, prove the pod reads the model as the right identity.

Run as ``python -m ray_gitops_serve.model_access_check`` in an init container of every GPU worker
(the RayService that ray-gitops renders). In order:

1. ``sts:GetCallerIdentity`` must name the reader role of render-settings.yaml (EXPECTED_ROLE_NAME,
   and EXPECTED_ROLE_ARN when the ARN is known). EKS Pod Identity hands the pod an assumed-role
   session, ``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION``; a pod without an association falls
   back to the node's role, which must not pass silently.
2. The staged prefix (MODEL_SOURCE) lists at least one object.
3. The staging completion manifest (MODEL_MANIFEST) is readable JSON.

Each failure prints one line saying what to fix and exits 1, so the pod stays in Init:Error with the
reason in ``kubectl logs -c check-model-access``. boto3 comes with the image (the Run:ai streamer's
s3 extra); endpoints follow boto3's own AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL_S3 variables.
"""

import json
import os
import re
import sys

PREFIX = "ray-gitops model check: "

_ASSUMED_ROLE = re.compile(r"^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role/([^/]+)/[^/]+$")
_ROLE = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):role/(?:[^/]+/)*([^/]+)$")


class CheckFailed(Exception):
    """One line for the pod's log: what is wrong and what to do."""


def role_of(caller_arn):
    """(partition, account, role name) of an assumed-role or role ARN, or None for users and the root."""
    for pattern in (_ASSUMED_ROLE, _ROLE):
        match = pattern.match(caller_arn or "")
        if match:
            return match.group(1), match.group(2), match.group(3)
    return None


def identity_problem(caller_arn, expected_name, expected_arn=""):
    """Why the caller is not the expected role (None when it is).

    IAM role names are unique within an account and case-insensitive; the assumed-role ARN carries
    the name without the role's path, so the name (and the account, when the ARN is known) decide.
    """
    caller = role_of(caller_arn)
    if caller is None:
        return caller_arn + " is not an assumed role"
    partition, account, name = caller
    if name.lower() != expected_name.lower():
        return "role " + name + " is not " + expected_name
    if expected_arn:
        expected = role_of(expected_arn)
        if expected and (expected[0], expected[1]) != (partition, account):
            return "role " + name + " is in account " + account + ", not " + expected[1]
    return None


def split_s3(uri):
    bucket, _, key = uri[len("s3://"):].partition("/")
    return bucket, key


def check(env, boto3_module=None):
    """Runs the three checks with the environment ``env``; returns the success line or raises CheckFailed."""
    source = env.get("MODEL_SOURCE", "")
    manifest = env.get("MODEL_MANIFEST", "")
    region = env.get("AWS_REGION", "") or None
    expected_name = env.get("EXPECTED_ROLE_NAME", "")
    expected_arn = env.get("EXPECTED_ROLE_ARN", "")
    who = env.get("POD_NAMESPACE", "?") + "/" + env.get("SERVICE_ACCOUNT", "?")
    if not source.startswith("s3://"):
        return (source or "no source") + " is not in S3; nothing to check"
    try:
        boto3 = boto3_module or __import__("boto3")
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
    except ImportError:
        raise CheckFailed("boto3 is not in the image; rebuild the image from docker/ (the Run:ai streamer's s3 extra installs it)")

    bucket, prefix = split_s3(source)
    if prefix == "":
        raise CheckFailed("model.source " + source + " names a whole bucket, not a staged prefix; render the model again from its staging record")
    step = "call sts:GetCallerIdentity"
    caller = ""
    try:
        if expected_name:
            caller = boto3.client("sts", region_name=region).get_caller_identity()["Arn"]
            problem = identity_problem(caller, expected_name, expected_arn)
            if problem:
                raise CheckFailed(
                    "the pod runs as " + caller + " (" + problem + "); associate service account " + who
                    + " with role " + (expected_arn or expected_name) + " through EKS Pod Identity"
                    + " (the model's PodIdentityAssociation, the ACK EKS controller and the eks-pod-identity-agent add-on)"
                )
        s3 = boto3.client("s3", region_name=region)
        step = "list " + source
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
        if listed.get("KeyCount", 0) == 0:
            raise CheckFailed(source + " holds no objects, so the model is not staged there; stage it with 'ray-gitops prestage' or correct model.source")
        if manifest:
            step = "read " + manifest
            manifest_bucket, manifest_key = split_s3(manifest)
            json.loads(s3.get_object(Bucket=manifest_bucket, Key=manifest_key)["Body"].read())
    except NoCredentialsError:
        raise CheckFailed(
            "the pod has no AWS credentials; associate service account " + who
            + " with an IAM role through EKS Pod Identity (and install the eks-pod-identity-agent add-on)"
        )
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in ("AccessDenied", "403", "AllAccessDisabled", "InvalidAccessKeyId", "ExpiredToken", "InvalidToken", "InvalidClientTokenId", "SignatureDoesNotMatch"):
            raise CheckFailed(
                "service account " + who + " may not " + step + " (" + code + "); give its Pod Identity role s3:ListBucket on bucket "
                + bucket + " and s3:GetObject on " + source + "*" + (" and on the manifest" if manifest else "")
            )
        if code in ("NoSuchKey", "404"):
            raise CheckFailed(
                "the completion manifest " + manifest + " does not exist, so staging of " + source
                + " did not finish; re-run 'ray-gitops prestage' for this model"
            )
        if code == "NoSuchBucket":
            raise CheckFailed("bucket " + bucket + " does not exist in region " + (region or "(AWS_REGION unset)") + "; check model.source and the region")
        raise CheckFailed("cannot " + step + ": " + code + " " + str(error).splitlines()[0])
    except ValueError:
        raise CheckFailed("the completion manifest " + manifest + " is not JSON; re-run 'ray-gitops prestage' for this model")
    except BotoCoreError as error:
        raise CheckFailed("cannot " + step + ": " + str(error).splitlines()[0])
    as_whom = caller if caller else who
    return source + (" and " + manifest if manifest else "") + " are readable as " + as_whom


def main():
    try:
        message = check(os.environ)
    except CheckFailed as failure:
        print(PREFIX + str(failure), file=sys.stderr, flush=True)
        return 1
    print(PREFIX + message, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
