"""Build the intent classifier's features per message without Rasa's general-case stacking.

Part of bot.rasa_patches: measured on Rasa 3.6.21 (docs/performance.md); applied by `install()`
in bot/rasa_patches/__init__.py only on the versions it was measured on.
"""

from __future__ import annotations


import functools
from typing import Any, List

import numpy as np
import scipy.sparse
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message


def _sentence_features(message: Message, dense: bool) -> Any:
    """The message's sentence-level text features (a matrix, or None), combined as
    `Message.get_*_features` combines them, without also combining its token-level features."""
    features = (message._filter_dense_features if dense else message._filter_sparse_features)(TEXT, [])[1]
    if not dense and len(features) > 1 and all(f.features.shape[0] == 1 for f in features):
        return _hstack_row([f.features.tocoo() for f in features])
    combined = message._combine_features(features, [])
    return combined.features if combined is not None else None


def _hstack_row(blocks: List[Any]) -> Any:
    """`scipy.sparse.hstack` of one-row COO matrices, as `bmat` builds it (the blocks' entries one
    after another, columns shifted), without its general-case checks: a tenth of the time."""
    offsets = np.cumsum([0] + [b.shape[1] for b in blocks[:-1]])
    index = scipy.sparse._sputils.get_index_dtype(maxval=max(1, int(offsets[-1]) + blocks[-1].shape[1]))
    data = np.concatenate([b.data for b in blocks]).astype(scipy.sparse._sputils.upcast(*(b.dtype for b in blocks)))
    row = np.concatenate([b.row for b in blocks]).astype(index)
    col = np.concatenate([b.col.astype(index) + index(o) for b, o in zip(blocks, offsets)])
    return scipy.sparse.coo_matrix((data, (row, col)), shape=(1, int(offsets[-1]) + blocks[-1].shape[1]))


_rasa_create_X = LogisticRegressionClassifier._create_X


def _create_X(self: LogisticRegressionClassifier, messages: List[Message]) -> Any:
    """Rasa's feature matrix for the classifier: per message, its sentence features (stacked with
    dense ones when there are any), then one row per message."""
    rows = []
    for message in messages:
        sparse, dense = _sentence_features(message, dense=False), _sentence_features(message, dense=True)
        if dense is None:
            # Rasa stacks an empty (float) dense block, which makes the row float.
            row = scipy.sparse.csr_matrix(sparse if sparse is not None else [])
            rows.append(row.astype(np.result_type(row.dtype, np.float64)))
        else:
            rows.append(scipy.sparse.hstack([scipy.sparse.csr_matrix(sparse if sparse is not None else []),
                                             scipy.sparse.csr_matrix(dense)]))
    return rows[0] if len(rows) == 1 else scipy.sparse.vstack(rows)


_rasa_lr_process = LogisticRegressionClassifier.process


@functools.wraps(_rasa_lr_process)  # Rasa validates a graph component's `process` by its signature.
def _lr_process(self, messages):  # type: ignore[no-untyped-def]
    """scikit-learn multiplies the sparse features by `coef_.T`; with `coef_` in row-major order
    that transpose is copied for every message (the whole model, 3 MB here). Stored column-major
    once, the product reads it in place: the same numbers, a quarter of the time."""
    coef = getattr(getattr(self, "clf", None), "coef_", None)
    if coef is not None and not coef.flags["F_CONTIGUOUS"]:
        self.clf.coef_ = np.asfortranarray(coef)
    return _rasa_lr_process(self, messages)


def install() -> None:
    LogisticRegressionClassifier._create_X = _create_X  # type: ignore[method-assign]
    LogisticRegressionClassifier.process = _lr_process  # type: ignore[method-assign]
