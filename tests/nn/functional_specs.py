"""Functional nn ops (activations, layers, losses): how to call each in neuronet and PyTorch.

Each spec is fn(F, m, *tensors) with F the functional module and m the top-level module
(neuronet or torch), so one table drives the gradient checks and the PyTorch comparisons.
"""
from tests.core.op_specs import OpSpec
from tests.nn.cnn_norm_specs import CNN_NORM_SPECS
from tests.nn.attention_specs import SPECS as ATTENTION_SPECS
from tests.nn.conv_specs import CONV_SPECS


def _long(m, values):
    return m.tensor(values) if m.__name__ == "neuronet" else m.tensor(values, dtype=m.long)


def _f64(m, values):
    """A constant of the default dtype (the tests set it to the inputs' dtype in both libraries)."""
    return m.tensor(values)


LABELS = [2, 0, 1, 2]
LABELS_IGNORED = [2, -100, 1, 2]

ACTIVATION_SPECS = [
    OpSpec("softplus", lambda F, m, x: F.softplus(x), ((3, 4),)),
    OpSpec("softplus_beta", lambda F, m, x: F.softplus(x * 10, beta=2, threshold=5), ((3, 4),)),
    OpSpec("relu", lambda F, m, x: F.relu(x), ((3, 4),), "away"),
    OpSpec("leaky_relu", lambda F, m, x: F.leaky_relu(x, 0.2), ((3, 4),), "away"),
    OpSpec("elu", lambda F, m, x: F.elu(x, alpha=0.7), ((3, 4),), "away"),
    OpSpec("selu", lambda F, m, x: F.selu(x), ((3, 4),), "away"),
    OpSpec("celu", lambda F, m, x: F.celu(x, alpha=1.5), ((3, 4),), "away"),
    OpSpec("gelu", lambda F, m, x: F.gelu(x), ((3, 4),)),
    OpSpec("gelu_tanh", lambda F, m, x: F.gelu(x, approximate="tanh"), ((3, 4),)),
    OpSpec("silu", lambda F, m, x: F.silu(x), ((3, 4),)),
    OpSpec("mish", lambda F, m, x: F.mish(x), ((3, 4),)),
    OpSpec("hardtanh", lambda F, m, x: F.hardtanh(x * 2), ((3, 4),), "away"),
    OpSpec("relu6", lambda F, m, x: F.relu6(x * 4), ((3, 4),), "away"),
    OpSpec("softsign", lambda F, m, x: F.softsign(x), ((3, 4),)),
    OpSpec("logsigmoid", lambda F, m, x: F.logsigmoid(x), ((3, 4),)),
    OpSpec("rrelu_eval", lambda F, m, x: F.rrelu(x), ((3, 4),), "away"),
    OpSpec("prelu_shared", lambda F, m, x, w: F.prelu(x, w), ((3, 4), (1,)), "away"),
    OpSpec("prelu_channels", lambda F, m, x, w: F.prelu(x, w), ((2, 4, 3), (4,)), "away"),
    OpSpec("softmin", lambda F, m, x: F.softmin(x, 1), ((3, 4),)),
    # PyTorch's float64 hardsigmoid gradient scales by 1/6 rounded to float32 (3e-8 off);
    # ours is exact, as the gradient check shows.
    OpSpec("hardsigmoid", lambda F, m, x: F.hardsigmoid(x * 3), ((3, 4),), "away",
           kwargs={"grad_rtol": 1e-7}),
    OpSpec("hardswish", lambda F, m, x: F.hardswish(x * 3), ((3, 4),), "away"),
    OpSpec("threshold", lambda F, m, x: F.threshold(x, 0.1, -2.0), ((3, 4),), "away"),
    OpSpec("hardshrink", lambda F, m, x: F.hardshrink(x, 0.05), ((3, 4),), "away"),
    OpSpec("softshrink", lambda F, m, x: F.softshrink(x, 0.05), ((3, 4),), "away"),
    OpSpec("tanhshrink", lambda F, m, x: F.tanhshrink(x), ((3, 4),)),
    # neuronet's own (no PyTorch counterpart), and random ones made repeatable by a fresh
    # generator per call: gradient-checked, not compared with PyTorch.
    OpSpec("maxout", lambda F, m, x: F.maxout(x, 3), ((2, 6),), kwargs={"ours": True}),
    OpSpec("maxout_dim1", lambda F, m, x: F.maxout(x, 2, dim=1), ((2, 4, 3),),
           kwargs={"ours": True}),
    OpSpec("binary_step_times_x", lambda F, m, x: F.binary_step(x) * x, ((3, 4),), "away",
           kwargs={"ours": True}),
    OpSpec("dropout_train", lambda F, m, x: F.dropout(x, 0.4, True, generator=m.Generator(3)),
           ((4, 5),), kwargs={"ours": True}),
    OpSpec("rrelu_train", lambda F, m, x: F.rrelu(x, training=True, generator=m.Generator(3)),
           ((4, 5),), "away", kwargs={"ours": True}),
]

LAYER_SPECS = [
    OpSpec("linear", lambda F, m, x, w, b: F.linear(x, w, b), ((5, 4), (3, 4), (3,))),
    OpSpec("linear_3d_nobias", lambda F, m, x, w: F.linear(x, w), ((2, 5, 4), (3, 4))),
    OpSpec("batch_norm_train", lambda F, m, x, w, b: F.batch_norm(x, None, None, w, b, True),
           ((6, 3), (3,), (3,))),
    OpSpec("batch_norm_train_3d", lambda F, m, x, w, b: F.batch_norm(x, None, None, w, b, True),
           ((4, 3, 5), (3,), (3,))),
    OpSpec("batch_norm_eval",
           lambda F, m, x, w, b: F.batch_norm(x, _f64(m, [0.1, -0.2, 0.3]),
                                              _f64(m, [1.5, 0.5, 2.0]), w, b, False),
           ((6, 3), (3,), (3,))),
    OpSpec("layer_norm", lambda F, m, x, w, b: F.layer_norm(x, (4,), w, b), ((3, 4), (4,), (4,))),
    OpSpec("layer_norm_2d", lambda F, m, x: F.layer_norm(x, (3, 4)), ((2, 3, 4),)),
    OpSpec("embedding_repeated", lambda F, m, w: F.embedding(_long(m, [[1, 3, 1], [1, 0, 3]]), w),
           ((5, 3),)),
    OpSpec("embedding_padding",
           lambda F, m, w: F.embedding(_long(m, [[1, 2, 1], [2, 0, 2]]), w, padding_idx=2),
           ((5, 3),), kwargs={"padding": True}),
    OpSpec("pad", lambda F, m, x: F.pad(x, (1, 2, 0, 1), value=0.5), ((2, 3, 4),)),
    OpSpec("pad_crop", lambda F, m, x: F.pad(x, (-1, 2, 1, -1)), ((3, 4),)),
    OpSpec("pad_reflect", lambda F, m, x: F.pad(x, (2, 1, 1, 2), mode="reflect"), ((1, 2, 3, 4),)),
    OpSpec("pad_replicate", lambda F, m, x: F.pad(x, (2, -1), mode="replicate"), ((2, 3, 4),)),
    OpSpec("pad_circular", lambda F, m, x: F.pad(x, (3, 1, -1, 2), mode="circular"),
           ((2, 3, 4),)),
    OpSpec("normalize", lambda F, m, x: F.normalize(x), ((3, 4),)),
    OpSpec("normalize_p1_dim0", lambda F, m, x: F.normalize(x, p=1.0, dim=0), ((3, 4),), "away"),
    OpSpec("cosine_similarity", lambda F, m, a, b: F.cosine_similarity(a, b), ((3, 4), (3, 4))),
    OpSpec("cosine_similarity_broadcast", lambda F, m, a, b: F.cosine_similarity(a, b, dim=-1),
           ((2, 3, 4), (3, 1))),
    OpSpec("pairwise_distance", lambda F, m, a, b: F.pairwise_distance(a, b), ((3, 4), (3, 4))),
    OpSpec("pairwise_distance_p3_keepdim",
           lambda F, m, a, b: F.pairwise_distance(a, b, p=3.0, keepdim=True), ((3, 4), (4,))),
]

LOSS_SPECS = [
    OpSpec("cross_entropy", lambda F, m, x: F.cross_entropy(x, _long(m, LABELS)), ((4, 3),)),
    OpSpec("cross_entropy_sum", lambda F, m, x: F.cross_entropy(x, _long(m, LABELS),
                                                                reduction="sum"), ((4, 3),)),
    OpSpec("cross_entropy_none", lambda F, m, x: F.cross_entropy(x, _long(m, LABELS),
                                                                 reduction="none"), ((4, 3),)),
    OpSpec("cross_entropy_weight",
           lambda F, m, x: F.cross_entropy(x, _long(m, LABELS), weight=_f64(m, [0.2, 1.0, 3.0])),
           ((4, 3),)),
    OpSpec("cross_entropy_ignore",
           lambda F, m, x: F.cross_entropy(x, _long(m, LABELS_IGNORED)), ((4, 3),)),
    OpSpec("cross_entropy_custom_ignore",
           lambda F, m, x: F.cross_entropy(x, _long(m, LABELS), ignore_index=2), ((4, 3),)),
    OpSpec("cross_entropy_smoothing",
           lambda F, m, x: F.cross_entropy(x, _long(m, LABELS), label_smoothing=0.1), ((4, 3),)),
    OpSpec("cross_entropy_all_options",
           lambda F, m, x: F.cross_entropy(x, _long(m, LABELS_IGNORED),
                                           weight=_f64(m, [0.2, 1.0, 3.0]), label_smoothing=0.2),
           ((4, 3),)),
    OpSpec("cross_entropy_all_options_none",
           lambda F, m, x: F.cross_entropy(x, _long(m, LABELS_IGNORED), reduction="none",
                                           weight=_f64(m, [0.2, 1.0, 3.0]), label_smoothing=0.2),
           ((4, 3),)),
    OpSpec("cross_entropy_probs",
           lambda F, m, x, t: F.cross_entropy(x, m.softmax(t, 1)), ((4, 3), (4, 3))),
    OpSpec("cross_entropy_probs_options",
           lambda F, m, x, t: F.cross_entropy(x, m.softmax(t, 1), weight=_f64(m, [0.2, 1.0, 3.0]),
                                              label_smoothing=0.3), ((4, 3), (4, 3))),
    OpSpec("cross_entropy_nd",
           lambda F, m, x: F.cross_entropy(x, _long(m, [[0, 2], [1, 1]])), ((2, 3, 2),)),
    OpSpec("cross_entropy_unbatched",
           lambda F, m, x: F.cross_entropy(x, _long(m, 1)), ((3,),)),
    OpSpec("nll_loss", lambda F, m, x: F.nll_loss(x, _long(m, LABELS_IGNORED),
                                                  weight=_f64(m, [0.2, 1.0, 3.0])), ((4, 3),)),
    OpSpec("nll_loss_none", lambda F, m, x: F.nll_loss(x, _long(m, LABELS), reduction="none"),
           ((4, 3),)),
    OpSpec("mse_loss", lambda F, m, x, t: F.mse_loss(x, t), ((3, 4), (3, 4))),
    OpSpec("mse_loss_sum", lambda F, m, x, t: F.mse_loss(x, t, reduction="sum"), ((3, 4), (3, 4))),
    OpSpec("l1_loss", lambda F, m, x, t: F.l1_loss(x, t), ((3, 4), (3, 4)), "away"),
    OpSpec("huber_loss", lambda F, m, x, t: F.huber_loss(x * 2, t, delta=0.7), ((3, 4), (3, 4))),
    OpSpec("smooth_l1_loss", lambda F, m, x, t: F.smooth_l1_loss(x * 2, t, beta=0.5),
           ((3, 4), (3, 4))),
    OpSpec("binary_cross_entropy",
           lambda F, m, x, t: F.binary_cross_entropy(m.sigmoid(x), m.sigmoid(t)),
           ((3, 4), (3, 4))),
    OpSpec("binary_cross_entropy_weight", lambda F, m, x: F.binary_cross_entropy(
        m.sigmoid(x), _f64(m, [[0.0, 1.0, 1.0, 0.0]] * 3), weight=_f64(m, [0.5, 1.0, 2.0, 0.1]),
        reduction="sum"), ((3, 4),)),
    OpSpec("binary_cross_entropy_with_logits",
           lambda F, m, x, t: F.binary_cross_entropy_with_logits(x, m.sigmoid(t)),
           ((3, 4), (3, 4))),
    OpSpec("binary_cross_entropy_with_logits_pos_weight",
           lambda F, m, x, t: F.binary_cross_entropy_with_logits(
               x, m.sigmoid(t), pos_weight=_f64(m, [0.5, 1.0, 2.0, 3.0]), reduction="none"),
           ((3, 4), (3, 4))),
    OpSpec("kl_div", lambda F, m, x, t: F.kl_div(m.log_softmax(x, 1), m.softmax(t, 1),
                                                 reduction="batchmean"), ((3, 4), (3, 4))),
    OpSpec("kl_div_log_target",
           lambda F, m, x, t: F.kl_div(m.log_softmax(x, 1), m.log_softmax(t, 1), log_target=True,
                                       reduction="sum"),
           ((3, 4), (3, 4))),
    OpSpec("margin_ranking_loss", lambda F, m, a, b: F.margin_ranking_loss(
        a, b, _f64(m, [1.0, -1.0, 1.0, 1.0]), margin=1.0), ((4,), (4,))),
    OpSpec("hinge_embedding_loss", lambda F, m, x: F.hinge_embedding_loss(
        x, _f64(m, [1.0, -1.0, -1.0, 1.0])), ((4,),), "away"),
    OpSpec("soft_margin_loss",
           lambda F, m, x: F.soft_margin_loss(x, _f64(m, [1.0, -1.0, -1.0, 1.0])), ((4,),)),
    OpSpec("multi_margin_loss", lambda F, m, x: F.multi_margin_loss(x, _long(m, LABELS)),
           ((4, 3),)),
    OpSpec("multi_margin_loss_p2_weight", lambda F, m, x: F.multi_margin_loss(
        x, _long(m, LABELS), p=2, margin=0.5, weight=_f64(m, [0.2, 1.0, 3.0]), reduction="sum"),
        ((4, 3),)),
]

ALL_SPECS = (ACTIVATION_SPECS + LAYER_SPECS + LOSS_SPECS + CNN_NORM_SPECS + ATTENTION_SPECS
             + CONV_SPECS)
