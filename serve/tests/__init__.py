"""Tests of the ray-gitops Serve application; standard library only.

Run from the repository root:  python3 -m unittest discover -s serve/tests -t serve
"""
