"""The init check's identity rule: an assumed-role session matches its role by name (and account)."""

import unittest

from ray_gitops_serve.model_access_check import CheckFailed, check, identity_problem, role_of

READER = "arn:aws:iam::123456789012:role/ray-gitops-model-reader"


class RoleOf(unittest.TestCase):
    def test_assumed_role_session_and_role_arns(self):
        self.assertEqual(
            role_of("arn:aws:sts::123456789012:assumed-role/ray-gitops-model-reader/eks-llm-qwen-1a2b"),
            ("aws", "123456789012", "ray-gitops-model-reader"),
        )
        # a role with a path: the session ARN drops the path, the role ARN keeps it
        self.assertEqual(role_of("arn:aws:iam::123456789012:role/serving/ray-gitops-model-reader")[2], "ray-gitops-model-reader")
        self.assertEqual(role_of("arn:aws-cn:sts::123456789012:assumed-role/r/s")[0], "aws-cn")

    def test_users_and_the_root_are_not_roles(self):
        self.assertIsNone(role_of("arn:aws:iam::123456789012:user/alice"))
        self.assertIsNone(role_of("arn:aws:iam::123456789012:root"))
        self.assertIsNone(role_of(""))


class IdentityProblem(unittest.TestCase):
    def test_the_reader_role_passes_whatever_the_session_name(self):
        self.assertIsNone(identity_problem("arn:aws:sts::123456789012:assumed-role/ray-gitops-model-reader/anything", "ray-gitops-model-reader", READER))
        # IAM role names are case-insensitive
        self.assertIsNone(identity_problem("arn:aws:sts::123456789012:assumed-role/Ray-GitOps-Model-Reader/s", "ray-gitops-model-reader"))

    def test_the_node_role_a_user_or_another_account_do_not(self):
        self.assertEqual(
            identity_problem("arn:aws:sts::123456789012:assumed-role/eks-node-group/i-0abc", "ray-gitops-model-reader", READER),
            "role eks-node-group is not ray-gitops-model-reader",
        )
        self.assertIn("is not an assumed role", identity_problem("arn:aws:iam::123456789012:user/alice", "ray-gitops-model-reader"))
        self.assertIn("account 999999999999", identity_problem("arn:aws:sts::999999999999:assumed-role/ray-gitops-model-reader/s", "ray-gitops-model-reader", READER))


class Check(unittest.TestCase):
    def test_a_source_outside_s3_has_nothing_to_check(self):
        self.assertEqual(check({"MODEL_SOURCE": ""}), "no source is not in S3; nothing to check")

    def test_a_whole_bucket_is_not_a_staged_prefix(self):
        with self.assertRaises(CheckFailed) as raised:
            check({"MODEL_SOURCE": "s3://bucket/"}, boto3_module=object())
        self.assertIn("names a whole bucket", str(raised.exception))


if __name__ == "__main__":
    unittest.main()
