"""领导用工作簿 assessment-<年>.xlsx：sheets（各表的内容）与 writer（写出）。"""
