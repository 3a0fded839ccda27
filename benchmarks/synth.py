"""Synthetic Hugging Face Daily Papers listings for the benchmarks.

All text here is written for this file: sentence templates with slots, and word lists per
theme. A paper mixes one to three themes; its abstract is 150-250 words built from an opening,
a problem, a proposal, method details, experiments, results and sometimes a closing sentence.
Every paper gets an invented method name and draws datasets from a long-tailed pool of invented
benchmark names, so that the vocabulary keeps growing with N the way a real collection's does.

The listing is written as the Daily Papers page reads when copied as text: a title line, a
blank line, the abstract line, a blank line; a page header at the top and a date heading every
few hundred papers. About 2% of papers are exact repeats of an earlier paper and about 1% repeat
an earlier paper under a slightly changed title (a typo or a British spelling), so that dedup has
work. Output is written paper by paper: nothing of size N is held in memory but a set of title
hashes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

GENERATOR_VERSION = 3

# --------------------------------------------------------------------------------------------
# Shared word lists
# --------------------------------------------------------------------------------------------

MODELS = [
    "large language models",
    "small language models",
    "vision transformers",
    "diffusion models",
    "graph neural networks",
    "vision-language models",
    "multimodal large language models",
    "mixture-of-experts models",
    "state space models",
    "decoder-only transformers",
    "encoder-decoder models",
    "code language models",
    "speech foundation models",
    "world models",
    "reward models",
    "retrieval-augmented generators",
    "video diffusion transformers",
    "convolutional networks",
    "recurrent policies",
    "foundation models",
    "autoregressive image generators",
    "masked autoencoders",
    "contrastive image-text encoders",
    "sparse transformers",
]

TASKS = [
    "mathematical reasoning",
    "code generation",
    "semantic segmentation",
    "open-domain question answering",
    "long-document summarization",
    "robotic manipulation",
    "molecular property prediction",
    "node classification",
    "link prediction",
    "video understanding",
    "visual question answering",
    "machine translation",
    "web navigation",
    "theorem proving",
    "object detection",
    "text-to-image generation",
    "speech recognition",
    "time-series forecasting",
    "sequential recommendation",
    "motion planning",
    "protein design",
    "table understanding",
    "document parsing",
    "instruction following",
    "multi-turn dialogue",
    "dense retrieval",
    "semantic parsing",
    "3D scene reconstruction",
    "human pose estimation",
    "anomaly detection",
    "image captioning",
    "named entity recognition",
    "fact verification",
    "program repair",
    "visual grounding",
    "depth estimation",
    "audio captioning",
    "traffic prediction",
    "drug discovery",
    "text classification",
    "long-horizon planning",
    "chart understanding",
    "optical character recognition",
    "embodied navigation",
    "legal judgment prediction",
    "clinical note summarization",
]

DOMAINS = [
    "healthcare",
    "finance",
    "education",
    "legal practice",
    "scientific literature",
    "low-resource languages",
    "remote sensing",
    "e-commerce",
    "chemistry",
    "materials science",
    "climate science",
    "cybersecurity",
    "software engineering",
    "agriculture",
    "manufacturing",
    "autonomous driving",
    "social media",
    "customer support",
    "genomics",
    "astronomy",
    "energy systems",
    "mobile devices",
    "public policy",
    "radiology",
]

METRICS = [
    "accuracy",
    "F1 score",
    "pass@1",
    "win rate",
    "BLEU",
    "success rate",
    "mean average precision",
    "perplexity",
    "exact match",
    "AUROC",
    "mean IoU",
    "normalized return",
    "recall@10",
    "word error rate",
    "FID",
    "Spearman correlation",
    "expected calibration error",
    "throughput",
]

KNOWN_BENCHMARKS = [
    "ImageNet",
    "COCO",
    "GSM8K",
    "MATH",
    "MMLU",
    "HumanEval",
    "MBPP",
    "ARC",
    "HellaSwag",
    "WebArena",
    "ALFWorld",
    "MuJoCo",
    "Atari",
    "D4RL",
    "OGB",
    "Cora",
    "ADE20K",
    "Kinetics",
    "LibriSpeech",
    "SQuAD",
    "Natural Questions",
    "TriviaQA",
    "GLUE",
    "SuperGLUE",
    "CIFAR-100",
    "VQAv2",
    "ScienceQA",
    "MT-Bench",
    "AlpacaEval",
    "SWE-bench",
    "BIG-Bench",
    "Meta-World",
    "LIBERO",
    "nuScenes",
    "Waymo Open",
    "MS MARCO",
    "BEIR",
    "TruthfulQA",
]

ADJECTIVES = [
    "efficient",
    "scalable",
    "robust",
    "adaptive",
    "unified",
    "lightweight",
    "principled",
    "interpretable",
    "generalizable",
    "data-efficient",
    "hierarchical",
    "modular",
    "training-free",
    "self-supervised",
    "compositional",
    "uncertainty-aware",
    "memory-efficient",
    "reliable",
    "fine-grained",
    "controllable",
    "sparse",
    "dynamic",
    "progressive",
    "structured",
    "holistic",
    "faithful",
]

SUFFIXES = [
    "Net",
    "Former",
    "LM",
    "GPT",
    "Bench",
    "Agent",
    "RL",
    "Distill",
    "Fuse",
    "GNN",
    "VLA",
    "Diff",
    "Tune",
    "Align",
    "Search",
    "Mix",
    "Scale",
    "Prune",
    "Quant",
    "Reason",
    "Gen",
    "Vision",
    "Coder",
    "Mind",
    "Flow",
    "",
    "",
    "",
]

_SYLLABLE_TEXT = (
    "ka ve lo mi ra tu sen dor ali qua fen zi bro mar tel vin osa kel pra dun "
    "ri sol ne ta xo lum ber gal hin jo kas mon nor pel quin rav sti tor ul "
    "vor wex yal zen cor dax fio gur ix lyr mav nox orb pex ryn syl tav ux"
)
SYLLABLES = _SYLLABLE_TEXT.split()


# --------------------------------------------------------------------------------------------
# Themes: techniques (title-case ready phrases), topics, and sentence templates
#
# Slots: {M} method name, {model}, {task}, {task2}, {domain}, {data}, {data2}, {metric},
# {tech}, {tech2}, {topic}, {pct}, {x}, {size}, {num}, {k}, {base}
# --------------------------------------------------------------------------------------------

THEMES: dict[str, dict[str, list[str]]] = {
    "pretraining": {
        "tech": [
            "Masked Language Modeling",
            "Next-Token Pre-Training",
            "Continual Pre-Training",
            "Contrastive Pre-Training",
            "Model Growth",
            "Warm-Start Initialization",
            "Multilingual Pre-Training",
            "Span Corruption",
        ],
        "topic": [
            "pre-training objective",
            "pre-training corpus",
            "learning-rate schedule",
            "tokenizer",
            "initialization scheme",
            "training recipe",
            "loss spike",
            "pre-training dynamics",
        ],
        "sents": [
            "Pre-training {model} on web-scale corpora remains the dominant recipe, yet the "
            "choice of {topic} is rarely studied in isolation.",
            "We pre-train a family of models from {size} to {size} parameters on {k} billion "
            "tokens and track how the {topic} shapes downstream {task}.",
            "{M} initializes a larger model from the weights of a smaller pre-trained one, "
            "cutting the pre-training budget by {pct} without hurting final quality.",
            "Our analysis of pre-training dynamics shows that capabilities for {task} emerge "
            "abruptly after roughly {k} steps.",
            "Unlike standard next-token prediction, the proposed objective mixes span corruption "
            "with a denoising term that rewards long-range coherence.",
            "We release intermediate checkpoints of the pre-training run so that others can "
            "study how the {topic} evolves over training.",
            "Continual pre-training on {domain} text adapts a general model while retaining "
            "most of its general-domain ability.",
            "A carefully tuned warm-up and cosine decay schedule stabilizes pre-training of "
            "deep models that otherwise diverge.",
            "We show that the benefit of a better {topic} persists after instruction tuning, "
            "which suggests that pre-training choices matter beyond the base model.",
            "Growing depth and width in stages during pre-training reaches the loss of a model "
            "trained from scratch with {pct} fewer FLOPs.",
        ],
    },
    "reinforcement-learning": {
        "tech": [
            "Policy Optimization",
            "Offline Reinforcement Learning",
            "Actor-Critic Learning",
            "Reward Shaping",
            "Model-Based RL",
            "Reinforcement Learning with Verifiable Rewards",
            "Group Relative Policy Optimization",
            "Value Decomposition",
        ],
        "topic": [
            "reward signal",
            "value function",
            "exploration bonus",
            "policy gradient estimator",
            "replay buffer",
            "advantage estimate",
            "behavior policy",
            "credit assignment",
        ],
        "sents": [
            "Reinforcement learning with sparse rewards struggles when the {topic} is noisy "
            "or delayed.",
            "{M} is an actor-critic algorithm whose critic is trained with a conservative "
            "penalty, which prevents overestimation on out-of-distribution actions.",
            "We train the policy with proximal policy optimization and a learned {topic}, "
            "and compare against {base} under an identical environment budget.",
            "In the offline setting, the agent must learn only from a fixed dataset collected "
            "by an unknown behavior policy.",
            "Reinforcement learning from verifiable rewards improves {task} even when the "
            "reward is a simple binary check of the final answer.",
            "We derive a lower-variance policy gradient estimator and prove that it remains "
            "unbiased under mild assumptions.",
            "Our reward model is trained on {k} pairwise comparisons and then used to "
            "fine-tune the policy with online RL.",
            "Exploration is driven by an intrinsic bonus computed from the disagreement of an "
            "ensemble of dynamics models.",
            "On {data}, the method raises the normalized return by {pct} over the strongest "
            "model-free baseline.",
            "We find that the gains from RL training concentrate on problems the base model "
            "already solves occasionally, rather than on new skills.",
        ],
    },
    "agents": {
        "tech": [
            "LLM Agents",
            "Tool Use",
            "GUI Agents",
            "Multi-Agent Collaboration",
            "Web Agents",
            "Agentic Planning",
            "Self-Reflection",
            "Function Calling",
        ],
        "topic": [
            "tool library",
            "action space",
            "long-term memory",
            "task planner",
            "environment feedback",
            "trajectory",
            "browser environment",
            "workflow",
        ],
        "sents": [
            "Language model agents that act through tools promise to automate multi-step "
            "work, but they fail often on long tasks with unfamiliar {topic}.",
            "{M} is an agent framework in which a planner decomposes the goal and an executor "
            "calls tools, observes the result and revises the plan.",
            "We collect {k} agent trajectories in a simulated {domain} environment and use "
            "them to train a smaller open agent.",
            "Agents equipped with a long-term memory of past episodes complete {pct} more tasks "
            "on {data} than agents without it.",
            "We study multi-agent systems in which several LLM agents debate and vote, and "
            "find that diversity of roles matters more than the number of agents.",
            "GUI agents must ground natural-language instructions in screenshots and act by "
            "clicking and typing on real applications.",
            "Failures of current agents are mostly due to poor error recovery rather than to "
            "missing knowledge about the {topic}.",
            "The agent learns when to call a tool and when to answer directly, which reduces "
            "the number of API calls by {pct}.",
            "We release an interactive environment with {num} applications and a suite of tasks "
            "with programmatic success checks.",
            "A self-reflection step lets the agent critique its own trajectory and retry with "
            "a corrected plan.",
        ],
    },
    "fine-tuning": {
        "tech": [
            "Instruction Tuning",
            "Parameter-Efficient Fine-Tuning",
            "Low-Rank Adaptation",
            "Supervised Fine-Tuning",
            "Prompt Tuning",
            "Adapter Layers",
            "Post-Training",
            "Model Merging",
        ],
        "topic": [
            "adapter rank",
            "instruction dataset",
            "tuning recipe",
            "trainable subset of parameters",
            "learning rate",
            "task mixture",
            "low-rank update",
            "chat template",
        ],
        "sents": [
            "Fine-tuning all parameters of {model} for each new task is costly in memory and "
            "storage.",
            "{M} inserts low-rank adapters into the attention and feed-forward layers and "
            "learns a per-layer {topic}.",
            "Instruction tuning on {k} diverse prompts improves zero-shot {task}, while more "
            "data of the same kind brings diminishing returns.",
            "We compare full fine-tuning, LoRA and prompt tuning under matched compute and find "
            "that the best choice depends on the size of the model.",
            "Supervised fine-tuning on a small curated set of high-quality demonstrations "
            "matches training on a set ten times larger.",
            "Merging the weights of separately fine-tuned experts yields a single model that "
            "keeps most of each expert's skill.",
            "Only {pct} of the parameters are updated, yet the tuned model reaches the accuracy "
            "of full fine-tuning on {data}.",
            "We study how the {topic} affects forgetting of general ability after "
            "domain-specific fine-tuning for {domain}.",
            "A two-stage post-training recipe first teaches the format and then the content "
            "of good answers.",
            "Our fine-tuned model follows complex multi-constraint instructions that the base "
            "model ignores.",
        ],
    },
    "distillation": {
        "tech": [
            "Knowledge Distillation",
            "Teacher-Student Training",
            "Self-Distillation",
            "Logit Distillation",
            "Reasoning Distillation",
            "Feature Distillation",
        ],
        "topic": [
            "teacher model",
            "student model",
            "soft label",
            "distillation loss",
            "temperature",
            "intermediate representation",
        ],
        "sents": [
            "Knowledge distillation transfers the ability of a large teacher to a compact "
            "student that is cheaper to serve.",
            "{M} distills the step-by-step rationales of a {size} teacher into a {size} "
            "student and keeps {pct} of the teacher's accuracy on {task}.",
            "We find that the student learns more from the teacher's mistakes when the "
            "{topic} is softened with a higher temperature.",
            "Instead of matching logits only, the student also matches the attention maps and "
            "hidden states of selected teacher layers.",
            "On-policy distillation, where the teacher scores sequences sampled from the "
            "student, closes most of the gap left by standard distillation.",
            "Self-distillation, in which a model is its own teacher across training rounds, "
            "improves calibration without extra labels.",
            "The distilled student runs {x} faster than the teacher at a small loss in {metric}.",
            "We analyse when a stronger teacher hurts the student and propose a curriculum of "
            "teachers of increasing size.",
        ],
    },
    "efficiency": {
        "tech": [
            "Quantization",
            "Structured Pruning",
            "Sparse Attention",
            "KV Cache Compression",
            "Speculative Decoding",
            "Mixed-Precision Training",
            "Token Merging",
            "Early Exit",
        ],
        "topic": [
            "memory footprint",
            "inference latency",
            "KV cache",
            "compute budget",
            "bit width",
            "sparsity pattern",
            "GPU kernel",
            "batch size",
        ],
        "sents": [
            "Serving {model} is expensive because the {topic} grows with the length of the "
            "context.",
            "{M} quantizes weights and activations to four bits with a rotation that removes "
            "outlier channels before rounding.",
            "Structured pruning removes whole attention heads and channels, which turns "
            "sparsity into real speed-ups on commodity GPUs.",
            "Speculative decoding with a small draft model accelerates generation by {x} "
            "without changing the output distribution.",
            "We compress the KV cache by evicting tokens that receive little attention, keeping "
            "only {pct} of the cache at a negligible quality loss.",
            "A fused GPU kernel for the attention computation reduces memory traffic and "
            "raises training throughput by {pct}.",
            "Our method lowers the {topic} by {pct} while {metric} changes by less than one point.",
            "Early exit lets easy inputs leave the network after a few layers, cutting the "
            "average compute per example in half.",
            "Mixed-precision training with careful loss scaling matches full-precision "
            "quality on {task} at a fraction of the cost.",
            "We profile where time goes during inference and find that memory bandwidth, not "
            "arithmetic, is the bottleneck.",
        ],
    },
    "multimodal": {
        "tech": [
            "Vision-Language Pre-Training",
            "Multimodal Instruction Tuning",
            "Cross-Modal Alignment",
            "Audio-Visual Learning",
            "Visual Tokenization",
            "Interleaved Image-Text Modeling",
        ],
        "topic": [
            "visual encoder",
            "image-text pairs",
            "modality gap",
            "vision-language connector",
            "visual tokens",
            "audio stream",
        ],
        "sents": [
            "Multimodal large language models connect a {topic} to a language model, but they "
            "still hallucinate objects that are not in the image.",
            "{M} aligns image and text representations with a contrastive loss and a "
            "captioning loss trained jointly on {k} million image-text pairs.",
            "We feed interleaved sequences of images and text so that the model learns to "
            "reason across several pictures at once.",
            "Reducing the number of visual tokens per image by {pct} barely affects accuracy on "
            "{data} and speeds up inference considerably.",
            "Audio and video streams are encoded separately and fused by cross-attention "
            "before they reach the language model.",
            "We build a multimodal instruction dataset covering charts, documents, screenshots "
            "and natural images.",
            "The modality gap between image and text embeddings shrinks when both encoders are "
            "trained with a shared temperature.",
            "On visual question answering the model answers {pct} more questions correctly "
            "than comparable open vision-language models.",
        ],
    },
    "robotics": {
        "tech": [
            "Imitation Learning",
            "Vision-Language-Action Models",
            "Sim-to-Real Transfer",
            "Dexterous Manipulation",
            "Diffusion Policies",
            "Legged Locomotion",
        ],
        "topic": [
            "robot arm",
            "teleoperated demonstrations",
            "action chunk",
            "gripper",
            "simulation environment",
            "proprioceptive state",
        ],
        "sents": [
            "Robots that learn from demonstrations need many {topic} recordings, which are "
            "slow and costly to collect.",
            "{M} is a vision-language-action model that maps camera images and an instruction "
            "to continuous motor commands.",
            "We train a diffusion policy on {k} teleoperated demonstrations and deploy it on a "
            "real robot arm for {num} household tasks.",
            "Policies trained in simulation transfer to the real world when the dynamics are "
            "randomized over a wide range during training.",
            "Predicting chunks of future actions rather than single steps makes the policy "
            "smoother and more robust to pauses.",
            "On a real quadruped robot, the learned controller walks over rough terrain that "
            "the model-based controller cannot handle.",
            "Our manipulation policy succeeds in {pct} of trials with unseen objects, compared "
            "with a much lower rate for the baseline.",
            "We combine imitation learning with a small amount of real-world reinforcement "
            "learning to correct compounding errors.",
        ],
    },
    "graph-learning": {
        "tech": [
            "Graph Neural Networks",
            "Graph Transformers",
            "Message Passing",
            "Graph Foundation Models",
            "Graph Contrastive Learning",
            "Heterogeneous Graph Learning",
        ],
        "topic": [
            "node feature",
            "adjacency structure",
            "message-passing layer",
            "positional encoding",
            "subgraph",
            "edge attribute",
        ],
        "sents": [
            "Graph neural networks suffer from over-smoothing as layers are stacked, which "
            "limits how far information can travel.",
            "{M} is a graph transformer whose attention is biased by a structural "
            "{topic} derived from random walks.",
            "We pre-train a graph foundation model on {k} graphs from several domains and "
            "adapt it to new graphs with a few labelled nodes.",
            "Message passing along both edges and higher-order structures improves expressive "
            "power beyond the Weisfeiler-Leman test.",
            "Contrastive learning on augmented views of a graph yields node embeddings that "
            "transfer across {task} tasks.",
            "On heterogeneous graphs with many node and edge types, the model outperforms "
            "metapath-based baselines on {data}.",
            "We study how the {topic} affects generalization when test graphs are larger than "
            "training graphs.",
        ],
    },
    "computer-vision": {
        "tech": [
            "Semantic Segmentation",
            "Object Detection",
            "Image Generation",
            "Video Understanding",
            "Open-Vocabulary Recognition",
            "Image Restoration",
        ],
        "topic": [
            "feature pyramid",
            "bounding box",
            "segmentation mask",
            "image backbone",
            "video frame",
            "pixel decoder",
        ],
        "sents": [
            "Dense prediction tasks such as segmentation require features that are both "
            "semantically rich and spatially precise.",
            "{M} is a detector that predicts each {topic} directly from a set of learned "
            "queries without hand-designed anchors.",
            "We train on {k} images with automatically generated masks and obtain strong "
            "zero-shot segmentation on {data}.",
            "Open-vocabulary recognition lets the model detect categories named only at test "
            "time by a text prompt.",
            "For video understanding, the model samples frames adaptively so that long videos "
            "fit into a fixed token budget.",
            "A latent diffusion model conditioned on layout and text generates images with "
            "better spatial control than prior work.",
            "The approach improves mean IoU by {pct} over a strong convolutional baseline while "
            "using fewer parameters.",
            "We revisit image restoration and show that a simple backbone trained at scale "
            "beats specialized architectures.",
        ],
    },
    "evaluation": {
        "tech": [
            "Benchmarking",
            "LLM-as-a-Judge",
            "Contamination Detection",
            "Capability Evaluation",
            "Human Evaluation",
            "Holistic Evaluation",
        ],
        "topic": [
            "benchmark",
            "leaderboard",
            "evaluation protocol",
            "test set",
            "judge model",
            "rubric",
        ],
        "sents": [
            "Existing benchmarks for {task} are saturated and leak into pre-training data, "
            "which makes reported gains hard to trust.",
            "We introduce {M}, a benchmark of {k} expert-written problems with verified "
            "answers and fine-grained difficulty labels.",
            "We evaluate {num} open and proprietary models under a common protocol and find "
            "large gaps between leaderboard rank and real-world usefulness.",
            "Using a strong model as a judge correlates well with human preferences, but the "
            "judge favours longer answers.",
            "Our contamination analysis reveals that several popular test sets appear verbatim "
            "in public training corpora.",
            "The {topic} is designed so that surface pattern matching cannot solve it, and "
            "human experts reach {pct} while the best model stays far below.",
            "We argue that comparisons should report variance over seeds and prompts, since "
            "rankings flip under small changes to the {topic}.",
            "Fine-grained error analysis shows that most failures come from misreading the "
            "question rather than from wrong computation.",
        ],
    },
    "survey": {
        "tech": [
            "A Survey",
            "A Comprehensive Review",
            "An Overview",
            "A Practical Guide",
            "A Systematic Literature Review",
        ],
        "topic": [
            "taxonomy",
            "research landscape",
            "open problem",
            "line of work",
            "future direction",
        ],
        "sents": [
            "This survey reviews recent progress on {tech2} and organizes the literature into "
            "a taxonomy of methods, data and evaluation.",
            "We summarize more than {k} papers and discuss their assumptions, strengths and "
            "limitations.",
            "For each family of methods we describe the core idea, representative systems and "
            "the benchmarks used to compare them.",
            "We close with open problems and future directions, including reliability, "
            "efficiency and evaluation in {domain}.",
            "The review is intended as an entry point for newcomers and as a reference for "
            "practitioners choosing among methods.",
            "We maintain a public list of the surveyed papers that is updated as the field "
            "evolves.",
        ],
    },
    "reasoning": {
        "tech": [
            "Chain-of-Thought Reasoning",
            "Test-Time Scaling",
            "Process Reward Models",
            "Self-Consistency",
            "Tree Search",
            "Long-Context Reasoning",
        ],
        "topic": [
            "reasoning chain",
            "intermediate step",
            "thinking budget",
            "verifier",
            "search tree",
            "solution path",
        ],
        "sents": [
            "Chain-of-thought prompting improves multi-step reasoning, yet long reasoning "
            "chains waste compute on easy problems.",
            "{M} learns to allocate a {topic} per problem and stops thinking once a verifier "
            "is confident in the answer.",
            "A process reward model scores each intermediate step, which guides a tree search "
            "toward correct solutions.",
            "Sampling several reasoning paths and voting on the final answer raises accuracy on "
            "{data} by {pct}.",
            "We find that the length of a reasoning chain is a poor predictor of its correctness.",
            "Training on synthetic problems with verified solutions transfers to competition "
            "mathematics and to logic puzzles.",
            "Our analysis shows that models often reach the right answer through an invalid "
            "{topic}.",
        ],
    },
    "alignment-safety": {
        "tech": [
            "Preference Optimization",
            "Direct Preference Optimization",
            "Red Teaming",
            "Safety Alignment",
            "Jailbreak Defense",
            "Constitutional Training",
        ],
        "topic": [
            "preference dataset",
            "harmful request",
            "refusal behavior",
            "safety classifier",
            "jailbreak prompt",
            "human feedback",
        ],
        "sents": [
            "Aligning language models with human preferences usually relies on a reward model "
            "trained from pairwise {topic} annotations.",
            "{M} optimizes the policy directly on preference pairs, avoiding a separate reward "
            "model and online sampling.",
            "Automated red teaming finds {k} prompts that bypass the safety training of current "
            "chat models.",
            "We show that fine-tuning on a handful of harmful examples removes safety "
            "alignment, and propose a defense that restores it.",
            "Over-refusal of benign requests drops by {pct} while the rate of harmful "
            "completions stays unchanged.",
            "A set of written principles is used to critique and revise responses, producing "
            "preference data without human labels.",
            "We measure how robust aligned models are to adversarial suffixes and paraphrased "
            "{topic} attacks.",
        ],
    },
    "architecture": {
        "tech": [
            "Mixture of Experts",
            "Linear Attention",
            "Normalization Layers",
            "State Space Layers",
            "Residual Design",
            "Positional Encoding",
        ],
        "topic": [
            "attention layer",
            "expert router",
            "normalization layer",
            "feed-forward block",
            "residual stream",
            "position encoding",
        ],
        "sents": [
            "The transformer's quadratic attention makes long sequences expensive, motivating "
            "alternatives with linear cost.",
            "{M} replaces every other {topic} with a gated state space layer and keeps the "
            "rest of the architecture unchanged.",
            "A mixture-of-experts layer routes each token to two of {num} experts, increasing "
            "capacity at constant compute.",
            "We revisit where to place normalization and find that a simple change stabilizes "
            "training of very deep models.",
            "Removing the {topic} from half of the blocks costs little, which suggests "
            "substantial redundancy in standard designs.",
            "Rotary position encodings extended with a frequency rescaling let the model "
            "handle contexts {x} longer than seen in training.",
        ],
    },
    "data-curation": {
        "tech": [
            "Data Selection",
            "Quality Filtering",
            "Synthetic Data",
            "Data Mixtures",
            "Deduplication",
            "Data Rephrasing",
        ],
        "topic": [
            "data mixture",
            "quality classifier",
            "synthetic corpus",
            "domain weight",
            "filtering threshold",
            "training subset",
        ],
        "sents": [
            "What data a model is trained on matters as much as its size, yet the {topic} is "
            "often chosen by intuition.",
            "{M} scores each document with a small quality classifier and keeps the top {pct} "
            "for training.",
            "We generate {k} synthetic examples with a strong model and filter them by "
            "self-consistency before training.",
            "Optimizing domain weights on a small proxy model transfers to a model {x} larger.",
            "Aggressive deduplication of the corpus improves downstream {task} and reduces "
            "memorization.",
            "Rephrasing web documents into a question-answer style speeds up learning "
            "compared with training on raw text.",
        ],
    },
    "scaling-laws": {
        "tech": [
            "Scaling Laws",
            "Compute-Optimal Training",
            "Performance Prediction",
            "Learning Curves",
        ],
        "topic": [
            "power law",
            "compute budget",
            "loss curve",
            "scaling exponent",
        ],
        "sents": [
            "Scaling laws relate loss to model size, data and compute, and guide how to spend "
            "a fixed {topic}.",
            "We fit a {topic} over {num} training runs and predict the loss of a model "
            "{x} larger within one percent.",
            "Downstream accuracy on {task} follows a sigmoid of the pre-training loss rather "
            "than a power law of compute.",
            "{M} extrapolates learning curves from early checkpoints to choose hyperparameters "
            "before committing the full budget.",
            "Our results suggest that data repetition up to four epochs costs little, but "
            "returns diminish quickly beyond that.",
        ],
    },
    "continual-learning": {
        "tech": [
            "Continual Learning",
            "Lifelong Learning",
            "Incremental Adaptation",
            "Rehearsal Methods",
        ],
        "topic": [
            "catastrophic forgetting",
            "task sequence",
            "rehearsal buffer",
            "stability gap",
        ],
        "sents": [
            "Models trained on a sequence of tasks suffer from {topic}, losing earlier skills "
            "as they learn new ones.",
            "{M} keeps a small rehearsal buffer and regularizes the weights that mattered for "
            "earlier tasks.",
            "We study continual learning of {model} over a stream of {domain} data that shifts "
            "every month.",
            "The stability gap, a sharp drop in old-task accuracy at the start of a new task, "
            "is reduced by {pct}.",
            "Replaying only {pct} of previous data is enough to retain most prior knowledge.",
        ],
    },
    "curriculum-learning": {
        "tech": [
            "Curriculum Learning",
            "Progressive Training",
            "Self-Paced Learning",
            "Difficulty-Aware Sampling",
        ],
        "topic": [
            "difficulty score",
            "training schedule",
            "curriculum",
            "pacing function",
        ],
        "sents": [
            "Presenting training examples from easy to hard can speed up learning, but a good "
            "{topic} is hard to define.",
            "{M} orders examples by a learned difficulty score and widens the pool as the "
            "model improves.",
            "A staged schedule that increases sequence length during training reaches the same "
            "loss in {pct} fewer steps.",
            "Self-paced sampling focuses training on examples of intermediate difficulty for the "
            "current model.",
        ],
    },
    "technical-report": {
        "tech": [
            "Technical Report",
            "Open Model Release",
            "System Card",
        ],
        "topic": [
            "model family",
            "release",
            "training infrastructure",
        ],
        "sents": [
            "This technical report describes {M}, a family of open models from {size} to "
            "{size} parameters trained on {k} billion tokens.",
            "We detail the data pipeline, the architecture, the training infrastructure and the "
            "post-training stages of the release.",
            "{M} matches or exceeds open models of similar size on {data}, {data2} and coding "
            "benchmarks.",
            "Weights, code and evaluation scripts are released under a permissive license.",
        ],
    },
    # Themes no rule covers, so that some papers get no theme at all.
    "speech": {
        "tech": ["Speech Synthesis", "Speaker Verification", "Spoken Language Understanding"],
        "topic": ["acoustic model", "vocoder", "speaker embedding"],
        "sents": [
            "End-to-end speech recognition still degrades on accented and noisy speech.",
            "{M} is a text-to-speech model that predicts discrete audio codes with a neural "
            "{topic} and generates natural prosody.",
            "We reduce word error rate on conversational speech by {pct} with a streaming encoder.",
        ],
    },
    "science": {
        "tech": ["Protein Language Models", "Molecular Generation", "Weather Forecasting"],
        "topic": ["protein sequence", "molecular graph", "atmospheric state"],
        "sents": [
            "Machine learning for science requires models that respect physical constraints "
            "and quantify their uncertainty.",
            "{M} predicts the {topic} several days ahead and beats a numerical baseline on "
            "most variables.",
            "We generate candidate molecules with desired properties and verify them with "
            "simulation.",
        ],
    },
}

# Theme weights: how often a theme is a paper's primary theme (roughly as on a real listing).
THEME_WEIGHTS = {
    "reasoning": 9,
    "agents": 8,
    "multimodal": 8,
    "reinforcement-learning": 7,
    "fine-tuning": 6,
    "efficiency": 7,
    "pretraining": 5,
    "computer-vision": 7,
    "evaluation": 6,
    "alignment-safety": 4,
    "architecture": 4,
    "data-curation": 3,
    "distillation": 3,
    "robotics": 4,
    "graph-learning": 3,
    "scaling-laws": 2,
    "continual-learning": 2,
    "curriculum-learning": 1,
    "survey": 2,
    "technical-report": 1,
    "speech": 3,
    "science": 3,
}

# --------------------------------------------------------------------------------------------
# Generic sentences by role
# --------------------------------------------------------------------------------------------

PROBLEM = [
    "Despite rapid progress, {model} remain brittle when deployed for {task} in {domain}.",
    "Current approaches to {task} depend on large labelled datasets that are expensive to build.",
    "A key obstacle is that evaluation on {data} does not reflect the conditions met in practice.",
    "Prior work treats {task} and {task2} separately, missing the structure they share.",
    "Most existing methods scale poorly, because their cost grows quadratically with input length.",
    "It remains unclear which design choices actually drive the reported improvements.",
    "These methods also require careful tuning that rarely transfers across datasets.",
    "Little is known about how such systems behave under distribution shift.",
    "The resulting models are difficult to interpret and expensive to run at scale.",
    "However, the gains reported so far come mostly from larger models and more data.",
    "In particular, errors accumulate over long horizons and are hard to attribute.",
    "Practitioners therefore face a trade-off between quality and cost that is poorly understood.",
    "Open models still lag behind proprietary systems on {task}, and the reasons are debated.",
    "Annotating data for {domain} requires expert knowledge and is slow.",
]

PROPOSE = [
    "In this paper, we propose {M}, a {adj} approach to {task} built on {tech}.",
    "We introduce {M}, which combines {tech} with {tech2} in a single training stage.",
    "To address this, we present {M}, a {adj} framework that brings {tech} to {domain}.",
    "We propose {M}, a simple and {adj} method that needs no additional labelled data.",
    "This work presents {M}, a {adj} recipe for {task} that revisits {tech}.",
    "Our method, {M}, treats {task} as a problem of {tech} and solves it end to end.",
    "We develop {M}, a {adj} and open system for {task} with {model}.",
    "Here we describe {M}, an approach that makes {tech} practical for {task}.",
]

DETAIL = [
    "The key idea is to share computation across examples that have a similar structure.",
    "A lightweight scoring module decides which inputs deserve more computation.",
    "We further introduce a regularizer that keeps the learned representation close to the "
    "pre-trained one.",
    "Training proceeds in two stages: a warm-up on synthetic data and a refinement on real data.",
    "All components are differentiable, so the whole system is trained with a single loss.",
    "The method adds only {num} hyperparameters, all of which are robust across tasks.",
    "We provide a theoretical analysis showing convergence at a rate that matches the lower bound.",
    "Unlike prior work, our approach does not require access to the model's gradients.",
    "A memory bank of {k} entries stores representative examples for later retrieval.",
    "We use a {size} model as the backbone and keep it frozen during the first stage.",
    "Data for training are collected automatically, with a filter that removes noisy samples.",
    "An ablation of each component shows that all of them contribute to the final result.",
    "The approach is agnostic to the backbone and applies to {model} as well.",
]

EXPERIMENT = [
    "We evaluate {M} on {data}, {data2} and {num} further benchmarks covering {task} and {task2}.",
    "Experiments on {data} and {data2} show consistent improvements over {base}.",
    "Extensive experiments across {num} datasets, including {data}, confirm the effectiveness "
    "of the approach.",
    "We compare against {num} strong baselines under the same compute budget on {data}.",
    "Evaluations on {data} in {domain} settings, together with a user study, support these "
    "findings.",
    "Our experiments span models from {size} to {size} parameters and several domains.",
]

RESULT = [
    "{M} improves {metric} by {pct} over the previous state of the art.",
    "It achieves a {metric} of {pct} on {data}, ahead of {base}.",
    "The approach reduces training cost by {x} while matching the {metric} of {base}.",
    "Results show gains of up to {pct} in {metric}, with the largest gains on hard cases.",
    "Notably, a {size} model trained with {M} outperforms a {size} baseline.",
    "Improvements hold across model sizes and are largest in the low-data regime.",
    "On {data2}, the gap to human performance shrinks from {pct} to {pct}.",
    "Our best configuration sets a new state of the art on {data} with {pct} {metric}.",
]

CLOSING = [
    "Code, models and data are publicly available.",
    "We release our code and checkpoints to support future research.",
    "These results suggest a promising direction for {task} in {domain}.",
    "We hope this work encourages more careful study of {tech}.",
    "Our findings have practical implications for deploying {model}.",
    "We discuss limitations and outline directions for future work.",
    "The benchmark and evaluation code will be released upon publication.",
]

OPENING = [
    "{Tech} has become a central tool for building capable {model}.",
    "Recent advances in {tech} have reshaped how we approach {task}.",
    "{Model} have shown remarkable ability on {task}, but important challenges remain.",
    "The demand for {adj} solutions to {task} in {domain} keeps growing.",
    "{Tech} is widely used, yet its behaviour at scale is poorly understood.",
    "Progress on {task} has been driven by {tech} and by ever larger datasets.",
]

# --------------------------------------------------------------------------------------------
# Titles
# --------------------------------------------------------------------------------------------

TITLES_NAMED = [
    "{M}: {Adj} {Tech} for {Task}",
    "{M}: Scaling {Tech} to {Task} in {Domain}",
    "{M}: A {Adj} Framework for {Task} via {Tech}",
    "{M}: Towards {Adj} {Task} with {Model}",
    "{M}: Unifying {Tech} and {Tech2} for {Adj} {Task}",
    "{M}: Learning {Adj} {Topic} Representations for {Task}",
    "{M}: Rethinking {Tech} for {Model} in {Domain}",
    "{M}: When {Tech} Meets {Tech2} in {Task}",
    "{M}: An Open {Adj} Model for {Task} and {Task2}",
    "{M}: Bridging {Task} and {Task2} through {Tech}",
    "{M}: Benchmarking {Model} on {Adj} {Task} in {Domain}",
    "{M}: {Tech} with {Adj} {Topic} Control for {Model}",
]

TITLES_PLAIN = [
    "{Adj} {Tech} for {Task} with {Model} in {Domain}",
    "Towards {Adj} {Task} in {Domain} via {Tech} and {Tech2}",
    "On the Role of the {Topic} in {Tech} for {Task}",
    "How Much Does {Tech} Help {Model} on {Task}?",
    "Revisiting {Tech} for {Adj} {Task} in {Domain}",
    "{Tech} Is Not Enough: {Adj} {Task} for {Model}",
    "Understanding {Tech2} through the Lens of {Tech} and {Task}",
    "Learning to Combine {Tech} and {Tech2} for {Adj} {Task}",
]

SMALL_WORDS = {"a", "an", "and", "the", "of", "for", "in", "on", "with", "to", "via", "by"}


def titlecase(text: str) -> str:
    words = text.split(" ")
    out = []
    for i, word in enumerate(words):
        if i and word.lower() in SMALL_WORDS:
            out.append(word.lower())
        elif word[:1].islower():
            out.append("-".join(p[:1].upper() + p[1:] for p in word.split("-")))
        else:
            out.append(word)
    return " ".join(out)


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------

_SLOT = re.compile(r"\{(\w+)\}")
_THEME_NAMES = list(THEMES)
_THEME_W = [THEME_WEIGHTS[t] for t in _THEME_NAMES]
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()  # noqa: SIM905
_BRITISH = [("ization", "isation"), ("izing", "ising"), ("ize", "ise"), ("avior", "aviour")]


def _pseudo_word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables))


class _Slots(dict):
    """Paper-level slot values; numbers are drawn afresh at every use."""

    def __init__(self, rng: random.Random, values: dict[str, str]):
        super().__init__(values)
        self.rng = rng

    def __missing__(self, key: str) -> str:
        rng = self.rng
        if key == "pct":
            return f"{rng.uniform(0.5, 48):.1f}%"
        if key == "x":
            return f"{rng.uniform(1.2, 9.5):.1f}x"
        if key == "size":
            return rng.choice(["125M", "350M", "1.3B", "3B", "7B", "8B", "13B", "34B", "70B"])
        if key == "num":
            return str(rng.randint(3, 24))
        if key == "k":
            return f"{rng.randint(2, 900)},{rng.randint(0, 999):03d}"
        raise KeyError(key)


@dataclass
class GeneratorStats:
    papers: int = 0
    unique: int = 0
    exact_duplicates: int = 0
    near_duplicates: int = 0
    date_headings: int = 0
    bytes: int = 0
    words_min: int = 10**9
    words_max: int = 0
    words_total: int = 0
    theme_counts: dict[str, int] = field(default_factory=dict)

    @property
    def words_mean(self) -> float:
        return self.words_total / max(1, self.unique)

    def to_dict(self) -> dict[str, object]:
        data = dict(vars(self))
        data["words_mean"] = round(self.words_mean, 1)
        return data


class ListingGenerator:
    def __init__(self, seed: int = 0):
        self.rng = random.Random(seed)
        self.seen_titles: set[bytes] = set()
        self.benchmarks = self._benchmark_pool(4000)
        self.bench_weights = [1.0 / (i + 1) ** 0.9 for i in range(len(self.benchmarks))]

    def _benchmark_pool(self, n: int) -> list[str]:
        rng = self.rng
        pool = list(KNOWN_BENCHMARKS)
        tails = ["Bench", "QA", "Eval", "-1K", "-Hard", "Arena", "Suite", "-Pro", "World", "Set"]
        while len(pool) < n:
            pool.append(_pseudo_word(rng, rng.randint(2, 3)).capitalize() + rng.choice(tails))
        head, tail = pool[: len(KNOWN_BENCHMARKS)], pool[len(KNOWN_BENCHMARKS) :]
        rng.shuffle(tail)
        return head + tail

    def method_name(self) -> str:
        rng = self.rng
        if rng.random() < 0.3:
            letters = "ABCDEFGHIJKLMNOPRSTUVWXYZ"
            return "".join(rng.choice(letters) for _ in range(rng.randint(4, 6)))
        base = _pseudo_word(rng, rng.randint(2, 3)).capitalize()
        return base + rng.choice(SUFFIXES)

    def _slots(self, themes: list[str]) -> _Slots:
        rng = self.rng
        primary = THEMES[themes[0]]
        other = THEMES[rng.choice(themes)]
        data = rng.choices(self.benchmarks, self.bench_weights, k=2)
        tech = rng.choice(primary["tech"])
        tech2 = rng.choice(other["tech"])
        if tech2 == tech:
            tech2 = rng.choice(THEMES[rng.choice(_THEME_NAMES)]["tech"])
        values = {
            "M": self.method_name(),
            "model": rng.choice(MODELS),
            "task": rng.choice(TASKS),
            "task2": rng.choice(TASKS),
            "domain": rng.choice(DOMAINS),
            "data": data[0],
            "data2": data[1],
            "metric": rng.choice(METRICS),
            "Tech": tech,
            "Tech2": tech2,
            "topic": rng.choice(primary["topic"]),
            "adj": rng.choice(ADJECTIVES),
            "base": rng.choice(self.benchmarks[:200]) + "-" + rng.choice(["Base", "Baseline"]),
        }
        values["Model"] = titlecase(values["model"])
        values["Task"] = titlecase(values["task"])
        values["Task2"] = titlecase(values["task2"])
        values["Domain"] = titlecase(values["domain"])
        values["Adj"] = titlecase(values["adj"])
        values["Topic"] = titlecase(values["topic"])
        # Keep acronyms such as "LLM Agents" intact, lower-case the rest for running text.
        for key in ("tech", "tech2"):
            words = values[key.capitalize()].split(" ")
            values[key] = " ".join(
                w if sum(c.isupper() for c in w) > 1 else w.lower() for w in words
            )
        return _Slots(rng, values)

    def _title(self, slots: _Slots, themes: list[str]) -> str:
        rng = self.rng
        for attempt in range(50):
            if themes[0] == "survey":
                template = rng.choice(
                    ["{Tech} of {Tech2} for {Task}", "{Tech} on {Tech2} in {Domain}"]
                )
            elif themes[0] == "technical-report":
                template = rng.choice(["{M} {Tech}", "{M}: {Adj} Models for {Task} {Tech}"])
            elif rng.random() < 0.65:
                template = rng.choice(TITLES_NAMED)
            else:
                template = rng.choice(TITLES_PLAIN)
            if attempt > 5:
                slots["M"] = self.method_name()
                template = rng.choice(TITLES_NAMED)
            title = template.format_map(slots)
            key = hashlib.blake2b(_normal(title).encode(), digest_size=8).digest()
            if key not in self.seen_titles:
                self.seen_titles.add(key)
                return title
            slots["Adj"] = titlecase(rng.choice(ADJECTIVES))
            slots["Task"] = titlecase(rng.choice(TASKS))
        raise RuntimeError("could not draw a unique title")

    def _abstract(self, slots: _Slots, themes: list[str]) -> tuple[str, int]:
        rng = self.rng
        target = rng.randint(150, 250)
        pool = []
        for i, theme in enumerate(themes):
            sents = THEMES[theme]["sents"]
            pool += rng.sample(sents, min(len(sents), 4 if i == 0 else 2))
        rng.shuffle(pool)
        head = [rng.choice(OPENING), rng.choice(PROBLEM), rng.choice(PROPOSE)]
        tail = [rng.choice(EXPERIMENT), rng.choice(RESULT)]
        if rng.random() < 0.6:
            tail.append(rng.choice(CLOSING))
        fill = lambda t: t.format_map(slots)  # noqa: E731
        head = [fill(t) for t in head]
        tail = [fill(t) for t in tail]
        middle: list[str] = []
        count = sum(len(s.split()) for s in head + tail)
        extra = pool + rng.sample(DETAIL, 4) + rng.sample(PROBLEM, 2)
        for template in extra:
            if count >= target:
                break
            sentence = fill(template)
            words = len(sentence.split())
            if count + words > 250 and count >= 150:
                continue
            middle.append(sentence)
            count += words
        while count < 150:
            sentence = fill(rng.choice(DETAIL))
            middle.append(sentence)
            count += len(sentence.split())
        sentences = head + middle + tail
        # Trim from the middle if a long draw overshot.
        while count > 250 and middle:
            dropped = middle.pop()
            sentences.remove(dropped)
            count -= len(dropped.split())
        return " ".join(sentences), count

    def paper(self) -> tuple[str, str, int, list[str]]:
        rng = self.rng
        n_themes = rng.choices([1, 2, 3], [0.35, 0.45, 0.2])[0]
        themes: list[str] = []
        while len(themes) < n_themes:
            theme = rng.choices(_THEME_NAMES, _THEME_W)[0]
            if theme not in themes:
                themes.append(theme)
        slots = self._slots(themes)
        title = self._title(slots, themes)
        abstract, words = self._abstract(slots, themes)
        return title, abstract, words, themes


def _normal(title: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", title.lower()).split())


def near_duplicate_title(title: str, rng: random.Random) -> str:
    """A changed title that fuzzy dedup should still merge: a British spelling or a typo
    inside a middle word (never the first or last three words, which dedup blocks on)."""
    for us, uk in _BRITISH:
        if us in title and rng.random() < 0.5:
            return title.replace(us, uk, 1)
    words = title.split(" ")
    middle = [
        i
        for i in range(3, len(words) - 3)
        if len(words[i]) >= 6 and words[i].isalpha() and words[i].lower() not in SMALL_WORDS
    ]
    if not middle:
        return ""
    i = rng.choice(middle)
    word = words[i]
    j = rng.randint(1, len(word) - 3)
    words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)


def date_heading(day: dt.date, rng: random.Random) -> str:
    if rng.random() < 0.8:
        return f"{_MONTHS[day.month - 1]} {day.day}"
    return day.isoformat()


def write_listing(path: Path, n: int, seed: int = 0) -> GeneratorStats:
    """Write a Daily Papers listing of n papers (duplicates included) to path."""
    gen = ListingGenerator(seed)
    rng = random.Random(seed + 1)
    stats = GeneratorStats()
    recent: list[tuple[str, str]] = []
    day = dt.date(2025, 6, 30)
    next_heading = 0
    with open(path, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
        out.write("Daily Papers\n\nSubscribe\n\n")
        for index in range(n):
            if index == next_heading:
                out.write(date_heading(day, rng) + "\n\n")
                stats.date_headings += 1
                day -= dt.timedelta(days=1)
                next_heading += rng.randint(150, 450)
            draw = rng.random()
            title = ""
            if recent and draw < 0.02:
                title, abstract = rng.choice(recent)
                stats.exact_duplicates += 1
            elif recent and draw < 0.03:
                original, abstract = rng.choice(recent)
                title = near_duplicate_title(original, rng)
                if title:
                    stats.near_duplicates += 1
            if not title:
                title, abstract, words, themes = gen.paper()
                stats.unique += 1
                stats.words_total += words
                stats.words_min = min(stats.words_min, words)
                stats.words_max = max(stats.words_max, words)
                for theme in themes:
                    stats.theme_counts[theme] = stats.theme_counts.get(theme, 0) + 1
                if len(recent) < 3000:
                    recent.append((title, abstract))
                else:
                    recent[rng.randrange(3000)] = (title, abstract)
            out.write(f"{title}\n\n{abstract}\n\n")
            stats.papers += 1
    stats.bytes = path.stat().st_size
    return stats


if __name__ == "__main__":
    import sys

    target = Path(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    print(write_listing(target, count).to_dict())
