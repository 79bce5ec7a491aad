"""Pictures of results for people: matplotlib figures and GIF/MP4 files. Results call into it
lazily (`show()`, `save("walk.gif")`), so the engine itself never imports matplotlib or imageio.
"""
