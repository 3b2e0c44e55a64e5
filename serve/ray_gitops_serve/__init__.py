"""ray-gitops' Ray Serve application: Ray Serve LLM's OpenAI API plus the seed's ``POST /generate``.

Importing this package runs no code beyond definitions and never imports Ray or vLLM; only
``ray_gitops_serve.app`` touches Ray, and only inside its functions. The RayService points at
``ray_gitops_serve.app:build_app``.
"""

__version__ = "0.1.0"
