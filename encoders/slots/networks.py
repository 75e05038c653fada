"""The Slot Attention networks: the object-discovery autoencoder and the set predictor (Locatello et al. 2020).

Both read images through a CNN (4 convolutions, `width` channels, ReLU; the set predictor strides two of them like the
reference's CLEVR classifier), add a soft position embedding, flatten the grid to a set, and apply layer norm and a
two-layer MLP before `SlotAttention`. The autoencoder decodes each slot alone with a spatial broadcast decoder into RGB
and an alpha logit; the alphas are normalised by a softmax across slots and mix the slots' images into one.

Decoder at our resolutions: the reference broadcasts each slot onto an 8x8 grid and doubles it with 5x5 stride-2
transposed convolutions to 128 px (four of them), then a 5x5 and a 3x3 transposed convolution. We keep that and double
as often as the resolution asks (`broadcast_side`): 8 -> 64 px takes three, 8 -> 32 px two; a side that is not 8 times
a power of two starts from the smallest even-halving side >= 8 (48 px: 12x12, two doublings).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from encoders.slots.attention import SlotAttention, SoftPositionEmbed, update_weights


@dataclass(frozen=True)
class SlotConfig:
    """The sizes of a slot model and its learning-rate schedule; the defaults are the paper's.

    kernel: side of the CNN kernels (5); width: CNN channels (64); downsample: stride-2 convolutions among the
    encoder's four (-1: 0 for the autoencoder, for the set predictor as many as bring the grid to 32 px, at most two);
    head_hidden: the set predictor's MLP (64). pool: the autoencoder works on a grid `pool` times coarser than the
    images (1, as the paper): it reads them averaged over pool x pool blocks and upsamples its RGB and alpha logits
    (bilinear) back to their size (training compares its own grid with the images averaged to it), so a 64 px model
    costs what a 32 px one does at pool 2 (0: `auto_pool`, the cpu preset's choice, resolved when training starts).
    decoder_pool: the decoder's grid alone this many times coarser than the images (0: `pool`); 4 at 64 px beside pool 2
    makes a CPU model draw objects in their colours, one slot taking the background, but as blobs: FG-ARI 0.50 against
    0.77 after 15 minutes of 2 cores, colours in queries closer to the truth (docs/objects.md). warmup_steps,
    decay_steps, decay_rate: lr = lr * min(1, step / warmup) * decay_rate ** (step / decay_steps), the reference's
    schedule. weight_average: the decay of an exponential moving average of the weights that training keeps and returns
    as the model (0: none, as the paper and both presets; at step t the decay is min(weight_average, (1 + t) / (10 +
    t)), so a short training is not pulled back to its initial weights). In 15-minute CPU runs 0.999 scored 0.005-0.014
    FG-ARI above the weights it averaged, but in an 800-step training half as high: docs/objects.md.
    mean_colour: append to each slot the mean colour of the pixels it attends (the last round's attention, normalised
    over the encoder's grid, weighting the images averaged to that grid), so a slot is slot_dim + channels long and the
    decoder or head reads its colour directly (False: the paper's slots; docs/objects.md has the CPU figures).
    """

    slot_dim: int = 64
    width: int = 64
    kernel: int = 5
    mlp_hidden: int = 128
    iterations: int = 3
    downsample: int = -1
    head_hidden: int = 64
    pool: int = 1
    decoder_pool: int = 0
    warmup_steps: int = 10_000
    decay_steps: int = 100_000
    decay_rate: float = 0.5
    weight_average: float = 0.0
    mean_colour: bool = False

    def slot_size(self, channels: int) -> int:
        """How long a slot is: `slot_dim`, plus `channels` with `mean_colour`."""
        return self.slot_dim + (channels if self.mean_colour else 0)

    @property
    def decoder_scale(self) -> int:
        """How many times coarser than the images the decoder's grid is: `decoder_pool`, or `pool` where it is 0."""
        return self.decoder_pool or self.pool


def broadcast_side(resolution: int) -> int:
    """The side the decoder broadcasts slots onto: `resolution` halved while it stays even and >= 8."""
    side = resolution
    while side % 2 == 0 and side // 2 >= 8:
        side //= 2
    return side


def encoder_strides(config: SlotConfig, resolution: int, set_prediction: bool) -> list[int]:
    """The strides of the encoder's four convolutions (see `SlotConfig.downsample`)."""
    count = config.downsample
    if count < 0:
        count, side = 0, resolution
        while set_prediction and count < 2 and side > 32 and side % 2 == 0:
            count, side = count + 1, side // 2
    return [2 if 1 <= index <= count else 1 for index in range(4)]


class SetEncoder(nn.Module):
    """Images (B, C, H, W) -> the flattened feature set (B, h * w, slot_dim) that slot attention reads."""

    def __init__(self, channels: int, resolution: int, config: SlotConfig, strides: list[int]):
        super().__init__()
        layers: list[nn.Module] = []
        for index, stride in enumerate(strides):
            layers += [nn.Conv2d(channels if index == 0 else config.width, config.width, config.kernel, stride,
                                 padding=config.kernel // 2), nn.ReLU()]
        self.cnn = nn.Sequential(*layers)
        side = resolution
        for stride in strides:
            side = (side - 1) // stride + 1
        self.position = SoftPositionEmbed(config.width, side)
        self.norm = nn.LayerNorm(config.width)
        self.mlp = nn.Sequential(nn.Linear(config.width, config.slot_dim), nn.ReLU(),
                                 nn.Linear(config.slot_dim, config.slot_dim))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        features = self.position(self.cnn(images).permute(0, 2, 3, 1))
        return self.mlp(self.norm(features.flatten(1, 2)))


class BroadcastDecoder(nn.Module):
    """Slots (B, K, slot_dim) -> per-slot images (B, K, C, H, W) and alpha masks (B, K, H, W) summing to 1 over K."""

    def __init__(self, channels: int, resolution: int, config: SlotConfig):
        super().__init__()
        self.pool = config.decoder_scale
        resolution //= self.pool
        self.side = broadcast_side(resolution)
        width = config.slot_size(channels)
        self.position = SoftPositionEmbed(width, self.side)
        pad, layers, side = config.kernel // 2, [], self.side
        while side < resolution:
            layers += [nn.ConvTranspose2d(width, config.width, config.kernel, 2, pad, output_padding=1), nn.ReLU()]
            width, side = config.width, side * 2
        layers += [nn.ConvTranspose2d(width, config.width, config.kernel, 1, pad), nn.ReLU(),
                   nn.ConvTranspose2d(config.width, channels + 1, 3, 1, 1)]
        self.cnn = nn.Sequential(*layers)

    def forward(self, slots: torch.Tensor, full_size: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
        """`full_size=False`: on the decoder's own grid, `pool` times coarser than the images (what training reads)."""
        batch, count, dim = slots.shape
        grid = self.position(slots.reshape(batch * count, 1, 1, dim).expand(-1, self.side, self.side, -1))
        out = self.cnn(grid.permute(0, 3, 1, 2))
        if self.pool > 1 and full_size:
            out = nn.functional.interpolate(out, scale_factor=self.pool, mode="bilinear", align_corners=False)
        out = out.reshape(batch, count, *out.shape[1:])
        return out[:, :, :-1], out[:, :, -1].softmax(dim=1)


class SlotNet(nn.Module):
    """The CNN encoder and slot attention, and the autoencoder's decoder or the set predictor's head.

    Parameters
    ----------
    channels, resolution : int
        Of the square images it reads.
    config : SlotConfig
    properties : int
        0: the object-discovery autoencoder; else the set predictor, mapping each slot to this many properties in
        [0, 1] (a sigmoid, as the reference).
    """

    def __init__(self, channels: int, resolution: int, config: SlotConfig, properties: int = 0):
        super().__init__()
        self.pool = config.pool if not properties else 1
        working = resolution // self.pool
        self.encoder = SetEncoder(channels, working, config, encoder_strides(config, working, properties > 0))
        self.slot_attention = SlotAttention(config.slot_dim, config.slot_dim, config.mlp_hidden, config.iterations)
        self.mean_colour = config.mean_colour
        self.head: nn.Module
        if properties:
            self.head = nn.Sequential(nn.Linear(config.slot_size(channels), config.head_hidden), nn.ReLU(),
                                      nn.Linear(config.head_hidden, properties), nn.Sigmoid())
        else:
            self.head = BroadcastDecoder(channels, resolution, config)

    def slots(self, images: torch.Tensor, num_slots: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """The slots of images (B, C, H, W) in [-1, 1]: (B, num_slots, slot_dim)."""
        return self.attend(images, num_slots, generator)[0]

    def attend(self, images: torch.Tensor, num_slots: int, generator: torch.Generator | None = None,
               iterations: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """The slots of images (B, C, H, W) in [-1, 1] after `iterations` rounds (None: as trained), and the last
        round's attention over the encoder's grid, (B, side, side, num_slots)."""
        if self.pool > 1:
            images = nn.functional.avg_pool2d(images, self.pool)
        inputs = self.encoder(images)
        start = self.slot_attention.initial_slots(images.shape[0], num_slots, generator)
        slots, attention = self.slot_attention(inputs, start, iterations)
        side = math.isqrt(attention.shape[1])
        if self.mean_colour:
            slots = torch.cat([slots, attended_colour(images, attention, side, self.slot_attention.epsilon)], dim=-1)
        return slots, attention.reshape(attention.shape[0], side, side, num_slots)


def attended_colour(images: torch.Tensor, attention: torch.Tensor, side: int, epsilon: float) -> torch.Tensor:
    """Each slot's mean colour (B, K, C): the images (B, C, H, W) averaged to the attention's side x side grid, weighted
    by the attention (B, side * side, K) normalised over the grid as slot attention's update weights it."""
    pixels = nn.functional.adaptive_avg_pool2d(images, side).flatten(2)
    return torch.einsum("bnk,bcn->bkc", update_weights(attention, epsilon), pixels)
