# %% [markdown]
# # Sequence models
#
# The notes' window network sees five words at a time. A recurrent network reads the whole
# sentence, one word after another, carrying a state h_t = f(W_ih x_t + W_hh h_(t-1) + b):
# each word's representation can depend on every word before it (and, read backwards as
# well, after it). neuronet's `nn.RNN`, `nn.LSTM` and `nn.GRU` are PyTorch's: the same
# parameter names (`weight_ih_l0`, `weight_hh_l0`, ...), gate order, shapes and initialisation,
# so a state_dict loads either way.

# %%
import numpy as np

import neuronet as nt
from neuronet import nn
from neuronet.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

nt.manual_seed(0)
lstm = nn.LSTM(input_size=8, hidden_size=16, num_layers=2, bidirectional=True, batch_first=True)
print({name: tuple(p.shape) for name, p in lstm.named_parameters() if name.endswith("l0")})

x = nt.randn(3, 5, 8)  # 3 sentences, 5 steps, 8 features
output, (h_n, c_n) = lstm(x)
print("output", tuple(output.shape), " h_n", tuple(h_n.shape), " c_n", tuple(c_n.shape))

# %% [markdown]
# ## Sentences of different lengths
#
# A batch of sentences is padded to the longest; packing tells the layer where each one ends,
# so padded steps are skipped and h_n is each sentence's state at its own last word:

# %%
sentences = [nt.randn(n, 8) for n in (5, 2, 4)]
lengths = nt.tensor([5, 2, 4])
padded = pad_sequence(sentences, batch_first=True)
packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
out_packed, (h_n, _) = lstm(packed)
out, out_lengths = pad_packed_sequence(out_packed, batch_first=True)
print("padded input", tuple(padded.shape), " lengths back", out_lengths.tolist())

alone, (h_alone, _) = lstm(sentences[1][None])  # the 2-word sentence on its own
same = np.allclose(h_n[-2, 1].detach().numpy(), h_alone[-2, 0].detach().numpy(), atol=1e-6)
print("the short sentence's final state is the one it gets alone:", same)
print("its padded steps in the output are zero:", bool((out[1, 2:].detach().numpy() == 0).all()))

# %% [markdown]
# ## A CRF on top: tags that fit together
#
# A tagger scores each word's tags (the *emissions*); a linear-chain CRF adds a score for each
# pair of neighbouring tags, so that I-PER after B-LOC can be made unlikely. Training minimises
# the negative log-likelihood of the true tag sequence, computed over all sequences at once by
# the forward algorithm; decoding finds the best sequence with Viterbi. With 3 tags and 4
# words there are 3^4 = 81 sequences, few enough to check by enumeration:

# %%
import itertools

crf = nn.CRF(num_tags=3, batch_first=True).double()
emissions = nt.randn(1, 4, 3, dtype=nt.float64)
tags = nt.tensor([[0, 1, 1, 2]])


def score(seq):
    e = emissions[0].detach().numpy()
    s = crf.start_transitions.detach().numpy()[seq[0]] + crf.end_transitions.detach().numpy()[seq[-1]]
    s += sum(e[t, k] for t, k in enumerate(seq))
    s += sum(crf.transitions.detach().numpy()[a, b] for a, b in zip(seq, seq[1:]))
    return s


all_scores = np.array([score(seq) for seq in itertools.product(range(3), repeat=4)])
log_z = np.log(np.exp(all_scores - all_scores.max()).sum()) + all_scores.max()
nll = crf(emissions, tags, reduction="sum").item()
print(f"negative log-likelihood: CRF {nll:.6f}, by enumeration {log_z - score([0, 1, 1, 2]):.6f}")
best = max(itertools.product(range(3), repeat=4), key=score)
print("Viterbi:", crf.decode(emissions)[0], " by enumeration:", list(best))
assert abs(nll - (log_z - score([0, 1, 1, 2]))) < 1e-9 and crf.decode(emissions)[0] == list(best)
