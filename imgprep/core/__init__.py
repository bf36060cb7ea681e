"""Qt-free building blocks. Importing this package must stay cheap: heavy modules
(numpy, PIL, cv2, colour) are imported by the submodules that need them."""
