"""Colour package: reference cards, card detection, correction models, ΔE2000, reports.

Submodules are imported where used so ``import imgprep.core.colour`` stays cheap.

Conventions used throughout the package
---------------------------------------
* Pixel data: ``uint8`` sRGB (IEC 61966-2-1) in, ``uint8`` sRGB out.
* Working space for fitting: *linear* sRGB (D65 white), float, nominal range [0, 1].
* Lab for reports and ΔE: CIE 1976 L*a*b* relative to **D50** (the ICC PCS white and
  the illuminant the ColorChecker reference data are published for), reached from
  linear sRGB by XYZ(D65) and a Bradford adaptation D65 → D50. Reference Lab values of
  the card therefore equal the published values exactly.
"""
