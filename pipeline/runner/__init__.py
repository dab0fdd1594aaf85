"""make report 的运行器：增量、并行、原子发布。"""
