"""``finefake features``: encode the workspace's records (text, first image, knowledge) into the feature cache."""

from __future__ import annotations

from pathlib import Path

import typer

from finefake.cli.engine import ENGINE_OPTION, RAY_ADDRESS_OPTION, engine_config
from finefake.console import console


def features(
    ctx: typer.Context,
    text_encoder: str | None = typer.Option(
        None, "--text-encoder", help="Text encoder name (default: minilm)."
    ),
    image_encoder: str | None = typer.Option(
        None, "--image-encoder", help="Image encoder name (default: efficientnet-lite0)."
    ),
    text_model: str | None = typer.Option(
        None, "--text-model", help="Local folder or hub name of the text weights (bert, clip-text)."
    ),
    image_model: str | None = typer.Option(
        None, "--image-model", help="Local folder or hub name of the image weights (clip-image)."
    ),
    image_backend: str | None = typer.Option(
        None, "--image-backend", help="efficientnet-lite0 runtime: onnx (default, faster) or torch."
    ),
    knowledge: str | None = typer.Option(
        None, "--knowledge", help="transe (train on the dataset's triples, default) or release."
    ),
    kg_dim: int | None = typer.Option(None, "--kg-dim", min=2, help="TransE dimension (default 100)."),
    kg_epochs: int | None = typer.Option(None, "--kg-epochs", min=1, help="TransE epochs (default 100)."),
    batch_size: int | None = typer.Option(
        None, "--batch-size", min=1, help="Inference batch size (default 64)."
    ),
    device: str | None = typer.Option(
        None, "--device", help="torch device for torch encoders (default cpu)."
    ),
    stage: str | None = typer.Option(None, "--stage", help="Stage holding the records (default: records)."),
    force: bool = typer.Option(False, "--force", help="Recompute even when the cache holds these features."),
    inputs: str | None = typer.Option(
        None,
        "--inputs",
        help="Comma-separated model inputs to compute besides text, image and kg (text_tokens, word_ids, "
        "sentences, entities, emotion, style, text_views, image_views, content, rationales; 'all'). Default: "
        "what the registered models declare, except the LLM's rationales (ARG's; name them to compute them).",
    ),
    list_only: bool = typer.Option(False, "--list", help="List the registered encoders and exit."),
    engine: str | None = ENGINE_OPTION,
    ray_address: str | None = RAY_ADDRESS_OPTION,
) -> None:
    """Compute (or find in the cache) text, image and knowledge features for the benchmark.

    Features are cached under <workspace>/features per (dataset fingerprint, encoder, version): a second run
    on the same records returns at once. The `features:` section of --config sets the same options.
    """
    from dataclasses import replace

    from finefake.cli import get_context
    from finefake.features.knowledge import TransEConfig
    from finefake.features.pipeline import FeatureConfig, compute_features
    from finefake.features.registry import encoder_spec, list_encoders

    if list_only:
        for name in list_encoders():
            spec = encoder_spec(name)
            console.print(f"{name:20s} {spec.modality:6s} {spec.description}")
        return
    cli = get_context(ctx)
    section = dict(cli.section("features"))
    given = {
        "text_encoder": text_encoder,
        "image_encoder": image_encoder,
        "knowledge": knowledge,
        "batch_size": batch_size,
        "stage": stage,
    }
    values = {k: v for k, v in section.items() if k in FeatureConfig.__dataclass_fields__ and k != "transe"}
    values.update({k: v for k, v in given.items() if v is not None})
    text_options = dict(section.get("text_options") or {})
    image_options = dict(section.get("image_options") or {})
    if text_model:
        text_options["model"] = text_model
    if image_model:
        image_options["model"] = image_model
    if image_backend:
        image_options["backend"] = image_backend
    if device:
        text_options["device"] = image_options["device"] = device
    transe = TransEConfig(**(section.get("transe") or {}))
    if kg_dim:
        transe = replace(transe, dim=kg_dim)
    if kg_epochs:
        transe = replace(transe, epochs=kg_epochs)
    values.update(text_options=text_options, image_options=image_options, transe=transe, force=force)
    from finefake.baselines.base import INPUTS
    from finefake.baselines.registry import required_inputs
    from finefake.errors import FinefakeError
    from finefake.features.inputs import LLM_INPUTS

    if inputs is None:
        wanted = required_inputs() - LLM_INPUTS
    elif inputs.strip() == "all":
        wanted = set(INPUTS)
    else:
        wanted = {i.strip() for i in inputs.split(",") if i.strip()}
        unknown = sorted(wanted - set(INPUTS))
        if unknown:
            raise FinefakeError(f"unknown inputs {', '.join(unknown)}; known: {', '.join(INPUTS)}")
    result = compute_features(
        cli.workspace,
        FeatureConfig(**values),
        inputs=sorted(wanted),
        engine=engine_config(ctx, engine, ray_address),
    )
    meta = result.meta
    source = "from the cache" if meta.get("cached") else "computed"
    console.print(
        f"{len(result)} items {source}: text {result.text.shape[1]}-d ({meta['text_encoder']}), "
        f"image {result.image.shape[1]}-d ({meta['image_encoder']}, {int(result.image_mask.sum())} with an "
        f"image), knowledge {result.kg.shape[1]}-d ({meta['knowledge']}, {int(result.kg_mask.sum())} with "
        f"entities)"
    )
    if meta.get("image_dropped"):
        console.print(f"images without features: {meta['image_dropped']}")
    console.print(f"features: {(Path(cli.workspace.root) / 'features' / 'sets' / meta['set_key']).resolve()}")
    for name, array in sorted(result.inputs.items()):
        size = getattr(array, "nbytes", 0) / 2**20
        console.print(f"  input {name:18s} {str(tuple(array.shape)):22s} {array.dtype}  {size:,.1f} MiB")


def register(app: typer.Typer) -> None:
    app.command("features")(features)
