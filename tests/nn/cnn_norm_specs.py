"""Gradient-check and PyTorch specs for the normalisation, channel dropout and resampling
functions of convolutional networks (joined into ``functional_specs.ALL_SPECS``)."""
from tests.core.op_specs import OpSpec


def _f64(m, values):
    return m.tensor(values)


RUNNING_MEAN, RUNNING_VAR = [0.1, -0.2, 0.3], [1.5, 0.5, 2.0]

NORM_SPECS = [
    OpSpec("batch_norm_train_4d", lambda F, m, x, w, b: F.batch_norm(x, None, None, w, b, True),
           ((4, 3, 2, 3), (3,), (3,))),
    OpSpec("batch_norm_train_5d_running",
           lambda F, m, x, w, b: F.batch_norm(x, _f64(m, RUNNING_MEAN), _f64(m, RUNNING_VAR),
                                              w, b, True, 0.3),
           ((2, 3, 2, 2, 3), (3,), (3,))),
    OpSpec("batch_norm_eval_4d",
           lambda F, m, x, w, b: F.batch_norm(x, _f64(m, RUNNING_MEAN), _f64(m, RUNNING_VAR),
                                              w, b, False, eps=1e-3),
           ((2, 3, 3, 2), (3,), (3,))),
    OpSpec("group_norm", lambda F, m, x, w, b: F.group_norm(x, 3, w, b), ((2, 6, 3, 2), (6,), (6,))),
    OpSpec("group_norm_3d_no_affine", lambda F, m, x: F.group_norm(x, 2, eps=1e-3), ((3, 4, 5),)),
    OpSpec("group_norm_one_group_5d", lambda F, m, x, w, b: F.group_norm(x, 1, w, b),
           ((2, 2, 2, 3, 2), (2,), (2,))),
    OpSpec("group_norm_2d", lambda F, m, x: F.group_norm(x, 2), ((3, 4),)),
    OpSpec("instance_norm", lambda F, m, x, w, b: F.instance_norm(x, weight=w, bias=b),
           ((2, 3, 4, 3), (3,), (3,))),
    OpSpec("instance_norm_1d_running",
           lambda F, m, x: F.instance_norm(x, _f64(m, RUNNING_MEAN), _f64(m, RUNNING_VAR),
                                           momentum=0.2),
           ((2, 3, 5),)),
    OpSpec("instance_norm_eval",
           lambda F, m, x, w, b: F.instance_norm(x, _f64(m, RUNNING_MEAN), _f64(m, RUNNING_VAR),
                                                 w, b, use_input_stats=False),
           ((2, 3, 2, 2), (3,), (3,))),
    OpSpec("local_response_norm", lambda F, m, x: F.local_response_norm(x, 3, 0.5, 0.75, 2.0),
           ((2, 5, 3, 2),)),
    OpSpec("local_response_norm_3d_even",
           lambda F, m, x: F.local_response_norm(x * 2, 4, alpha=0.3, beta=1.2), ((2, 6, 4),)),
    OpSpec("local_response_norm_5d", lambda F, m, x: F.local_response_norm(x, 2, alpha=1.0),
           ((1, 3, 2, 2, 2),)),
]

# Random masks: repeatable through a fresh generator per call; checked against the gradient,
# not against PyTorch's draws (tests/nn/test_cnn_norm.py checks their statistics).
DROPOUT_SPECS = [
    OpSpec("dropout1d", lambda F, m, x: F.dropout1d(x, 0.4, generator=m.Generator(3)),
           ((4, 5, 3),), kwargs={"ours": True}),
    OpSpec("dropout1d_unbatched", lambda F, m, x: F.dropout1d(x, 0.4, generator=m.Generator(3)),
           ((5, 3),), kwargs={"ours": True}),
    OpSpec("dropout2d", lambda F, m, x: F.dropout2d(x, 0.3, generator=m.Generator(3)),
           ((3, 4, 2, 2),), kwargs={"ours": True}),
    OpSpec("dropout3d", lambda F, m, x: F.dropout3d(x, 0.3, generator=m.Generator(3)),
           ((2, 3, 2, 2, 2),), kwargs={"ours": True}),
    OpSpec("alpha_dropout", lambda F, m, x: F.alpha_dropout(x, 0.3, True, generator=m.Generator(3)),
           ((4, 5),), kwargs={"ours": True}),
    OpSpec("alpha_dropout_eval", lambda F, m, x: F.alpha_dropout(x, 0.3), ((4, 5),)),
    OpSpec("feature_alpha_dropout",
           lambda F, m, x: F.feature_alpha_dropout(x, 0.3, True, generator=m.Generator(3)),
           ((3, 4, 2, 2),), kwargs={"ours": True}),
]

RESAMPLING_SPECS = [
    OpSpec("interpolate_nearest_2x", lambda F, m, x: F.interpolate(x, scale_factor=2),
           ((2, 3, 2, 3),)),
    OpSpec("interpolate_nearest_size", lambda F, m, x: F.interpolate(x, size=(5, 2)),
           ((1, 2, 3, 4),)),
    OpSpec("interpolate_nearest_1d_factor", lambda F, m, x: F.interpolate(x, scale_factor=1.7),
           ((2, 2, 4),)),
    OpSpec("interpolate_nearest_exact",
           lambda F, m, x: F.interpolate(x, size=(5, 3), mode="nearest-exact"), ((1, 2, 3, 4),)),
    OpSpec("interpolate_bilinear",
           lambda F, m, x: F.interpolate(x, size=(5, 7), mode="bilinear"), ((2, 2, 3, 4),)),
    OpSpec("interpolate_bilinear_align_corners",
           lambda F, m, x: F.interpolate(x, size=(5, 3), mode="bilinear", align_corners=True),
           ((2, 2, 3, 4),)),
    OpSpec("interpolate_bilinear_factor",
           lambda F, m, x: F.interpolate(x, scale_factor=(1.5, 0.7), mode="bilinear"),
           ((1, 2, 4, 5),)),
    OpSpec("interpolate_bilinear_recompute",
           lambda F, m, x: F.interpolate(x, scale_factor=1.7, mode="bilinear",
                                         recompute_scale_factor=True), ((1, 2, 3, 4),)),
    OpSpec("interpolate_linear", lambda F, m, x: F.interpolate(x, scale_factor=2.5, mode="linear"),
           ((2, 3, 4),)),
    OpSpec("interpolate_trilinear",
           lambda F, m, x: F.interpolate(x, size=(3, 2, 4), mode="trilinear", align_corners=True),
           ((1, 2, 2, 3, 2),)),
    OpSpec("pixel_shuffle", lambda F, m, x: F.pixel_shuffle(x, 2), ((2, 8, 2, 3),)),
    OpSpec("pixel_shuffle_5d", lambda F, m, x: F.pixel_shuffle(x, 3), ((2, 1, 9, 2, 1),)),
    OpSpec("pixel_unshuffle", lambda F, m, x: F.pixel_unshuffle(x, 2), ((2, 2, 4, 6),)),
]

CNN_NORM_SPECS = NORM_SPECS + DROPOUT_SPECS + RESAMPLING_SPECS
