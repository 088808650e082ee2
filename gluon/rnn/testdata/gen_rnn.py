#!/usr/bin/python3
"""Generate golden_rnn.json: gluon/rnn layers and cells against
torch.nn.RNN/LSTM/GRU and their cells, with the torch weights copied under
Gluon's names (torch's gate order i,f,g,o / r,z,n equals MXNet's).

Each case: inputs = [x, state..., param...] (attrs: nstates, params = Gluon
names), outputs = [out, new state...], grads[i] = d sum(out*w)/d inputs[i]
with w[k] = 0.5 + ((k*7919) % 13)/13.

Run: /usr/bin/python3 gluon/rnn/testdata/gen_rnn.py
"""
import json
import os

import torch

torch.manual_seed(3)
torch.set_default_dtype(torch.float64)
cases = []


def head(y):
    k = torch.arange(y.numel(), dtype=torch.float64)
    return (0.5 + ((k * 7919) % 13) / 13).reshape(y.shape)


def arr(t):
    t = t.detach().to(torch.float64)
    return {"shape": list(t.shape), "dtype": "float64", "values": [float(f"{v:.8g}") for v in t.reshape(-1).tolist()]}


def f32(t):
    return t.to(torch.float32).to(torch.float64)


def gluon_name(torch_name):
    kind, part, layer = torch_name.split("_")[:3]  # weight_ih_l0[_reverse]
    d = "r" if torch_name.endswith("_reverse") else "l"
    return f"{d}{layer[1:]}_{'i2h' if part == 'ih' else 'h2h'}_{kind}"


def cell_name(torch_name):
    kind, part = torch_name.split("_")
    return f"{'i2h' if part == 'ih' else 'h2h'}_{kind}"


def emit(name, module, namer, x, states, attrs, call):
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(f32(torch.rand_like(p) - 0.5))
    x = f32(x).requires_grad_(True)
    states = [f32(s).requires_grad_(True) for s in states]
    names, params = zip(*[(namer(n), p) for n, p in module.named_parameters()])
    out, new_states = call(module, x, states)
    (out * head(out)).sum().backward()
    ins = [x] + states + list(params)
    attrs = dict(attrs, params=list(names), nstates=len(states))
    cases.append({"name": name, "attrs": attrs, "inputs": [arr(t) for t in ins],
                  "outputs": [arr(t) for t in [out] + list(new_states)],
                  "grads": [arr(t.grad) for t in ins]})


def layer_call(lstm):
    def call(m, x, states):
        if not states:
            out, st = m(x)
        elif lstm:
            out, st = m(x, tuple(states))
        else:
            out, st = m(x, states[0])
        return out, (list(st) if lstm else [st])
    return call


T, N, C, H = 3, 2, 3, 4
emit("lstm_1layer_tnc", torch.nn.LSTM(C, H), gluon_name, torch.randn(T, N, C),
     [torch.randn(1, N, H), torch.randn(1, N, H)], {"hidden": H}, layer_call(True))
emit("lstm_2layer_bidir_ntc", torch.nn.LSTM(C, H, num_layers=2, bidirectional=True, batch_first=True), gluon_name,
     torch.randn(N, T, C), [], {"hidden": H}, layer_call(True))
emit("gru_2layer_bidir_tnc", torch.nn.GRU(C, H, num_layers=2, bidirectional=True), gluon_name,
     torch.randn(T, N, C), [torch.randn(4, N, H)], {"hidden": H}, layer_call(False))
emit("gru_1layer_ntc", torch.nn.GRU(C, H, batch_first=True), gluon_name,
     torch.randn(N, T, C), [], {"hidden": H}, layer_call(False))
emit("rnn_relu_tnc", torch.nn.RNN(C, H, nonlinearity="relu"), gluon_name,
     torch.randn(T, N, C), [torch.randn(1, N, H)], {"hidden": H}, layer_call(False))
emit("rnn_tanh_2layer_bidir", torch.nn.RNN(C, H, num_layers=2, nonlinearity="tanh", bidirectional=True), gluon_name,
     torch.randn(T, N, C), [torch.randn(4, N, H)], {"hidden": H}, layer_call(False))
emit("lstm_1step", torch.nn.LSTM(C, H), gluon_name, torch.randn(1, N, C), [], {"hidden": H}, layer_call(True))


def cell_call(lstm):
    def call(m, x, states):
        if lstm:
            h, c = m(x, tuple(states))
            return h, [h, c]
        h = m(x, states[0])
        return h, [h]
    return call


emit("lstmcell", torch.nn.LSTMCell(C, H), cell_name, torch.randn(N, C),
     [torch.randn(N, H), torch.randn(N, H)], {"hidden": H}, cell_call(True))
emit("grucell", torch.nn.GRUCell(C, H), cell_name, torch.randn(N, C),
     [torch.randn(N, H)], {"hidden": H}, cell_call(False))
emit("rnncell", torch.nn.RNNCell(C, H), cell_name, torch.randn(N, C),
     [torch.randn(N, H)], {"hidden": H}, cell_call(False))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden_rnn.json")
with open(out + ".tmp", "w") as f:
    json.dump(cases, f, separators=(",", ":"))
os.replace(out + ".tmp", out)
print(f"wrote {len(cases)} cases to {out}")
